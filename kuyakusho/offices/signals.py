"""A schedule's ``rules_token`` changes with its rules, in the same transaction (see ``hours.Calendar.load``)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import OpeningRule, Schedule, SpecialDay, new_rules_token


def touch(schedule_id: int | None) -> None:
    if schedule_id is not None:
        Schedule.objects.filter(pk=schedule_id).update(rules_token=new_rules_token())


@receiver(post_save, sender=OpeningRule)
@receiver(post_delete, sender=OpeningRule)
@receiver(post_save, sender=SpecialDay)
@receiver(post_delete, sender=SpecialDay)
def _rule_changed(sender, instance, **kwargs) -> None:
    touch(instance.schedule_id)


@receiver(m2m_changed, sender=OpeningRule.services.through)
@receiver(m2m_changed, sender=SpecialDay.services.through)
def _rule_services_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        touch(instance.schedule_id)
        return
    # Changed from the service's side: every schedule with one of those rules.
    if pk_set is None:  # cleared: which rules lost it is no longer known
        for schedule_id in Schedule.objects.values_list("pk", flat=True):
            touch(schedule_id)
        return
    model = OpeningRule if sender is OpeningRule.services.through else SpecialDay
    for schedule_id in set(model.objects.filter(pk__in=pk_set).values_list("schedule_id", flat=True)):
        touch(schedule_id)
