"""
djangorestframework-sso 0.5.2's SessionToken model, column for column (after its five migrations:
0001 initial, 0002 last_used_at, 0003 client_id, 0004 created_by, 0005 version), so that
`dumpdata rest_framework_sso.sessiontoken` exports what a real deployment exports.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class SessionTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(models.Q(revoked_at__isnull=True) | models.Q(revoked_at__gt=timezone.now()))


class SessionToken(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    client_id = models.CharField(max_length=1000, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=1000, blank=True)
    version = models.CharField(max_length=100, null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SessionTokenQuerySet.as_manager()

    class Meta:
        app_label = "rest_framework_sso"
