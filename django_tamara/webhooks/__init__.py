"""Tamara's notifications, from the delivery to the order's new state (issue #14).

- :mod:`.tokens`: is the delivery from Tamara (the ``tamaraToken`` JWT)?
- :mod:`.intake`: the view that checks the body and stores the delivery with one INSERT;
- :mod:`.gate`: one drain task for a burst of deliveries instead of one task each;
- :mod:`.processing`: bring the event's order to what Tamara has (run by :mod:`django_tamara.tasks`);
- :mod:`.events`: the one table of Tamara's events.

Nothing is imported here, so reading the events table does not load the view.
"""
