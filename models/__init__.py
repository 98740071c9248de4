"""Maillage's headless data model: usable from Flask, the CLI or a plain script."""
from .activity_report import ActivityReport
from .audit import AuditEntry
from .budget import CostLine, FundingLine, FundingYear, Scenario, ScenarioTotals, totals_for
from .committee import CommitteePack
from .db import BaseModel, database, open_database
from .directory import Referent, Structure, Territory
from .meetings import Meeting, MeetingStructure, Target
from .services import DataInclusionLink, Service
from .training import Attendance, Training
from .users import LoginFailure, User
from .validation import ValidationError

ALL_MODELS = [
    Territory, Structure, Referent, Service, DataInclusionLink, Training, Attendance, Meeting, MeetingStructure, Target,
    Scenario, CostLine, FundingLine, FundingYear, User, CommitteePack, ActivityReport, LoginFailure,
    AuditEntry,
]

__all__ = [
    "ALL_MODELS", "ActivityReport", "AuditEntry", "DataInclusionLink", "Attendance", "BaseModel", "CommitteePack", "CostLine", "FundingLine", "FundingYear",
    "LoginFailure", "Meeting", "MeetingStructure", "Referent",
    "Scenario", "ScenarioTotals", "Service", "Structure", "Target", "Territory", "Training", "User",
    "ValidationError", "database", "open_database", "totals_for",
]
