# nbgrader reads this file from the folder it runs in; the configuration itself is in grading/.
import os

c = get_config()  # noqa: F821
load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "grading", "nbgrader_config.py"))  # noqa: F821
