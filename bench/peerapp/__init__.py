"""A Django app of one model, for the django-fsm-2 peer of the bench (``bench/peers.py``)."""
