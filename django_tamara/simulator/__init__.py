"""A stateful Tamara simulator: a real HTTP server speaking Tamara's merchant API.

Integration tests, the sandbox shop and the benchmarks all run against it, offline::

    from django_tamara.simulator import Simulator

    with Simulator(api_token="t", notification_token="n") as sim:
        ...  # point TAMARA["API_URL"] at sim.url

It needs no database and no Django models. See docs/simulator.md for the HTTP control API,
the fault injection and the behaviours chosen where Tamara's documentation is silent.
"""

from .core import Simulator
from .errors import SimulatorError
from .notifier import make_token

__all__ = ["Simulator", "SimulatorError", "make_token"]
