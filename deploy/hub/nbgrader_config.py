"""nbgrader's configuration on the course hub, read by every user's server (students' and instructors').

The hub (jupyterhub_config.py) puts the folder holding a copy of this file on each server's
JUPYTER_CONFIG_PATH and sets these variables in the server's environment:

    NN_COURSE_ID        the course's nbgrader id (grading/nbgrader_config.py's)
    NN_EXCHANGE         nbgrader's exchange: release, fetch, submit, collect and feedback pass through it
    NN_COURSE_DIR       instructors only: their copy of the course (solutions/, grading/, ...)
    NN_GRADEBOOK        instructors only: the gradebook's SQLAlchemy URL (PostgreSQL)

The exchange is nbgrader's default one, a shared folder whose Unix permissions keep the
students apart: a student may write into ``inbound/`` but not list it.  nbgrader then leaves
each submission readable by anyone who knows its (random) name; ``PrivateSubmit`` closes it to
all but its student and the instructor's group.
"""
import os
from stat import S_IRGRP, S_IRUSR, S_IRWXG, S_IRWXU, S_IWUSR

from nbgrader.exchange.default.submit import ExchangeSubmit

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, then the submission closed to other users (files 0640, folders 0770).

    ``inbound/`` is set-group-ID (nbgrader's release makes it so): what a student creates there
    belongs to the instructor's group, so the instructor still collects and deletes it.  One catch:
    the copy ends by copying the student's folder mode onto the submission's folder, and a chmod by
    a user outside the group clears that folder's set-group-ID bit, so the files nbgrader writes
    next (timestamp.txt, submission_secret.txt) would get the student's group.  ``do_copy``
    therefore moves the copy into a folder made afresh, which inherits the bit again."""

    def do_copy(self, src, dest):
        super().do_copy(src, dest)
        if os.path.dirname(os.path.abspath(dest)) == os.path.abspath(self.inbound_path):
            fresh = f"{dest}.new"
            os.mkdir(fresh)
            for name in os.listdir(dest):
                os.rename(os.path.join(dest, name), os.path.join(fresh, name))
            os.rmdir(dest)
            os.rename(fresh, dest)

    def copy_files(self):
        super().copy_files()
        submission = os.path.join(self.inbound_path, self.assignment_filename)
        self.set_perms(submission, fileperms=S_IRUSR | S_IWUSR | S_IRGRP, dirperms=S_IRWXU | S_IRWXG)


c.ExchangeFactory.submit = PrivateSubmit

c.CourseDirectory.course_id = os.environ["NN_COURSE_ID"]
c.Exchange.root = os.environ["NN_EXCHANGE"]

if os.environ.get("NN_COURSE_DIR"):
    # The course's own configuration: root, source and release folders, the grading preprocessors.
    load_subconfig(os.path.join(os.environ["NN_COURSE_DIR"], "nbgrader_config.py"))  # noqa: F821
    c.CourseDirectory.db_url = os.environ["NN_GRADEBOOK"]
