from django.contrib import admin

from . import models


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "min_group_size", "timezone")
    search_fields = ("name", "slug")


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "department")
    list_filter = ("role", "organization")


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "parent")
    list_filter = ("organization",)


@admin.register(models.Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "organization", "department", "start_date", "leaving_date")
    list_filter = ("organization",)
    search_fields = ("email", "name")


@admin.register(models.CompanyValue)
class CompanyValueAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "organization")
    list_filter = ("organization",)


@admin.register(models.Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "organization", "value", "perspective", "type", "reverse")
    list_filter = ("organization", "perspective", "type")


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "kind", "min_group_size", "imported")
    list_filter = ("organization", "kind")


@admin.register(models.Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = ("campaign", "number", "round", "status", "opens_on", "closes_on")
    list_filter = ("status",)
