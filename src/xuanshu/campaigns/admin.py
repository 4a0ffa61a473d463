from django.contrib import admin

from xuanshu.campaigns.models import Area, Campaign, Category, Stage


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CategoryInline(ReadOnlyInline):
    model = Category


class AreaInline(ReadOnlyInline):
    model = Area


class StageInline(ReadOnlyInline):
    model = Stage


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read-only: a campaign changes only by loading its file (`python -m xuanshu campaign load`)."""

    list_display = ["slug", "name", "edition", "organiser", "is_demo"]
    inlines = [CategoryInline, AreaInline, StageInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
