"""Service work for the queue: a referral's escalation, enqueued for its deadline."""

from django_tasks import task


@task()
def escalate_referral(referral_id: str) -> bool:
    """At a referral's deadline: tell the supervisor if the provider has not answered."""
    from everychild.services.services import escalate_referral as escalate

    return escalate(referral_id)
