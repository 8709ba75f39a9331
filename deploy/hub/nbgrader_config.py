"""nbgrader's configuration on the course hub, read by every user's server (students' and instructors').

The hub (jupyterhub_config.py) puts the folder holding a copy of this file on each server's
JUPYTER_CONFIG_PATH and sets these variables in the server's environment:

    NN_COURSE_ID        the course's nbgrader id (grading/nbgrader_config.py's)
    NN_EXCHANGE         nbgrader's exchange: release, fetch, submit, collect and feedback pass through it
    NN_COURSE_DIR       instructors only: their copy of the course (solutions/, grading/, ...)
    NN_GRADEBOOK        instructors only: the gradebook's SQLAlchemy URL (PostgreSQL)

The exchange is nbgrader's default one: a shared folder whose Unix permissions keep the
students apart (a student may write into ``inbound/`` but not list or read it).
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = os.environ["NN_COURSE_ID"]
c.Exchange.root = os.environ["NN_EXCHANGE"]

if os.environ.get("NN_COURSE_DIR"):
    # The course's own configuration: root, source and release folders, the grading preprocessors.
    load_subconfig(os.path.join(os.environ["NN_COURSE_DIR"], "nbgrader_config.py"))  # noqa: F821
    c.CourseDirectory.db_url = os.environ["NN_GRADEBOOK"]
