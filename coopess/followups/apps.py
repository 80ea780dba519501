from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "coopess.followups"
    label = "followups"
    verbose_name = "Suivi à 6 mois et 1 an"

    def ready(self) -> None:
        # privacy: the follow-ups' personal data, declared to the privacy registry
        from coopess.followups import privacy  # noqa: F401

        # the follow-ups on the cohort timeline (coopess.notifications)
        from coopess.followups.timeline import followup_events
        from coopess.notifications.registry import register_cohort_events

        register_cohort_events("followups", followup_events)
        # the structures' satisfaction with the consultant in the providers' directory
        from coopess.competition.satisfaction import register_structures_satisfaction
        from coopess.followups.satisfaction import cohorts_satisfaction

        register_structures_satisfaction("followups", cohorts_satisfaction)
