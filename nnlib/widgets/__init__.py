"""Interactive explorers for the course (ipywidgets), each on a plain computation function.

==========================  =======================================================
widget                      computation (no ipywidgets, no matplotlib)
==========================  =======================================================
``learning_rate_explorer``  ``run_gradient_descent`` -> ``GDRun``, ``classify_run``
``optimizer_race``          ``race`` -> {label: ``RaceResult``}
``initialization_explorer`` ``layer_statistics``, ``init_training_curve``
``playground``              ``PlaygroundRun`` (step, reset, losses, accuracy, predict)
``activation_explorer``     ``activation_curves``
``loss_explorer``           ``loss_curves``
``graph_explorer``          ``evaluate_graph`` -> ``GraphResult``
``regularization_explorer`` ``regularization_curves`` -> ``RegularizationRun``
==========================  =======================================================

Every widget keeps one matplotlib figure and redraws it in place (see ``_figure``): a PNG
``ipywidgets.Image`` by default, ipympl's canvas after ``set_figure_mode("ipympl")``.
"""
from nnlib.widgets._figure import figure_mode, set_figure_mode
from nnlib.widgets.activation import activation_curves, activation_explorer
from nnlib.widgets.graph import GraphResult, evaluate_graph, graph_explorer
from nnlib.widgets.initialization import init_training_curve, initialization_explorer, layer_statistics
from nnlib.widgets.learning_rate import GDRun, classify_run, learning_rate_explorer, run_gradient_descent
from nnlib.widgets.loss import loss_curves, loss_explorer
from nnlib.widgets.playground import PlaygroundRun, playground
from nnlib.widgets.race import RaceResult, optimizer_race, race
from nnlib.widgets.regularization import RegularizationRun, regularization_curves, regularization_explorer

__all__ = [
    "learning_rate_explorer", "run_gradient_descent", "classify_run", "GDRun",
    "optimizer_race", "race", "RaceResult",
    "initialization_explorer", "layer_statistics", "init_training_curve",
    "playground", "PlaygroundRun",
    "activation_explorer", "activation_curves",
    "loss_explorer", "loss_curves",
    "graph_explorer", "evaluate_graph", "GraphResult",
    "regularization_explorer", "regularization_curves", "RegularizationRun",
    "set_figure_mode", "figure_mode",
]
