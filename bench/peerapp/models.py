"""The case of the django-fsm-2 peer: a state field and five transitions, logged by django-fsm-log."""

from django.db import models
from django_fsm import FSMField, transition
from django_fsm_log.decorators import fsm_log_by


class Case(models.Model):
    title = models.CharField(max_length=200)
    state = FSMField(default="s0", protected=False)

    class Meta:
        app_label = "peerapp"

    @fsm_log_by
    @transition(field=state, source="s0", target="s1")
    def t1(self, by=None): ...

    @fsm_log_by
    @transition(field=state, source="s1", target="s2")
    def t2(self, by=None): ...

    @fsm_log_by
    @transition(field=state, source="s2", target="s3")
    def t3(self, by=None): ...

    @fsm_log_by
    @transition(field=state, source="s3", target="s4")
    def t4(self, by=None): ...

    @fsm_log_by
    @transition(field=state, source="s4", target="s5")
    def t5(self, by=None): ...
