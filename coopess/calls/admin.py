from django.contrib import admin

from coopess.calls.models import (
    Call,
    CallDocument,
    CallMilestone,
    CallQuestion,
    CallSection,
    CallTarget,
    MaturityStage,
    SupportStep,
)


class OrderedInline(admin.StackedInline):
    extra = 0


class SectionInline(OrderedInline):
    model = CallSection


class StageInline(admin.TabularInline):
    model = MaturityStage
    extra = 0


class TargetInline(admin.TabularInline):
    model = CallTarget
    extra = 0


class StepInline(OrderedInline):
    model = SupportStep


class MilestoneInline(admin.TabularInline):
    model = CallMilestone
    extra = 0


class QuestionInline(OrderedInline):
    model = CallQuestion
    fk_name = "call"


class DocumentInline(admin.TabularInline):
    model = CallDocument
    extra = 0


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "edition", "operator", "opens_at", "closes_at", "is_published"]
    list_filter = ["is_published", "operator"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [
        SectionInline,
        StageInline,
        TargetInline,
        StepInline,
        MilestoneInline,
        QuestionInline,
        DocumentInline,
    ]
