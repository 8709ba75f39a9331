"""JupyterHub's configuration for the course (deploy/hub/README.md).

It reads the settings that course_hub.py's ``prepare`` wrote (the file named by NN_HUB_SETTINGS):
who the students and the instructors are, where the course environment, the exchange, the
Jupyter configuration and the gradebook are, and the ports.

* Users log in with their Unix account (PAM, JupyterHub's default); each user's server runs as
  that Unix user (LocalProcessSpawner), in the course environment, in their home folder.
* Students' servers have nbgrader's Assignments tab (fetch, submit, feedback) and no instructor
  tools; instructors' servers add the formgrader over their copy of the course and the
  gradebook.
* A restart of the hub leaves the users' servers (and their kernels) running: the hub finds them
  again in its database.
* The service ``course-admin`` holds a token (STATE/hub/admin_token, root only) for the course
  team's scripts and the test: it may manage users, their servers and their tokens.
"""
import json
import os

c = get_config()  # noqa: F821  (provided by traitlets when JupyterHub loads this file)

with open(os.environ["NN_HUB_SETTINGS"]) as handle:
    settings = json.load(handle)
hub_folder = os.path.join(settings["state"], "hub")
env_bin = os.path.join(settings["env"], "bin")
instructors, students = settings["instructors"], settings["students"]

# --- the hub, its proxy and its own database ----------------------------------------------
c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{os.path.join(hub_folder, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(hub_folder, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(hub_folder, "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.JupyterHub.cleanup_servers = False

# --- who may log in -------------------------------------------------------------------------
c.Authenticator.allowed_users = set(instructors + students)
c.JupyterHub.load_groups = {"instructors": {"users": instructors}, "students": {"users": students}}
with open(settings["admin_token_file"]) as handle:
    admin_token = handle.read().strip()
c.JupyterHub.services = [{"name": "course-admin", "api_token": admin_token}]
c.JupyterHub.load_roles = [{
    "name": "course-admin",
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users", "access:servers"],
    "services": ["course-admin"],
}]

# --- each user's server ------------------------------------------------------------------------
c.Spawner.cmd = [os.path.join(env_bin, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.env_keep = ["LANG", "LC_ALL"]  # not the hub's PATH nor its VIRTUAL_ENV
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def course_environment(spawner):
    """The course environment, nbgrader's settings, and the instructor's course and gradebook."""
    name = spawner.user.name
    role = "instructor" if name in instructors else "student"
    environment = {
        "PATH": f"{env_bin}:/usr/local/bin:/usr/bin:/bin",
        "VIRTUAL_ENV": settings["env"],
        "JUPYTER_CONFIG_PATH": settings["config"][role],
        "NN_COURSE_ID": settings["course_id"],
        "NN_EXCHANGE": settings["exchange"],
    }
    if role == "instructor":
        environment.update(NN_COURSE_DIR=settings["courses"][name], NN_GRADEBOOK=settings["gradebook"])
    spawner.environment.update(environment)


c.Spawner.pre_spawn_hook = course_environment
