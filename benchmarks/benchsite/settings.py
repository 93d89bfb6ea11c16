"""The sandbox's settings plus the baseline views the benchmarks compare against.

Same middleware, same database settings: the only difference between the two sides of a
benchmark is the view that answers.
"""

from sandbox_project.settings import *  # noqa: F403  the benchmark site is the sandbox's settings plus a few
from sandbox_project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.benchsite"]
ROOT_URLCONF = "benchmarks.benchsite.urls"
