"""Background tasks of routing (django-tasks; run by `nqi worker`): retraining after dispatchers' corrections."""

from django_tasks import task

from . import training


@task()
def retrain_routing_model(note: str = "后台重新训练"):
    row = training.train(note=note)
    return {"version": row.version, "history": row.history_samples, "corrections": row.correction_samples,
            "synthetic": row.synthetic_samples}
