"""The console's roles as Django groups: admin, editor, viewer."""
from django.contrib.auth.models import Group, Permission

ROLE_PERMISSIONS = {
    "viewer": ["nominations.view_nomination", "intake.view_inboundmessage", "campaigns.view_campaign"],
    "editor": [
        "nominations.view_nomination", "nominations.review_nomination", "nominations.view_contact",
        "nominations.export_nomination", "nominations.add_nominationnote", "intake.view_inboundmessage",
        "campaigns.view_campaign",
    ],
    "admin": [
        "nominations.view_nomination", "nominations.review_nomination", "nominations.view_contact",
        "nominations.export_nomination", "nominations.add_nominationnote", "intake.view_inboundmessage",
        "campaigns.view_campaign", "core.view_activitylog", "core.view_contactaccesslog",
        "auth.view_user", "auth.add_user", "auth.change_user",
    ],
}


def ensure_roles(**kwargs) -> None:
    """Create or refresh the role groups after every migrate."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission:
                permissions.append(permission)
        group.permissions.set(permissions)
