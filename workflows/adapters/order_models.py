"""The volunteer order pool's tables: party members' profiles, the orders communities and
streets post, and each member's claim with what the community confirmed of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class VolunteerProfile(Base):
    """A party member registered at the community where they live, with their branch."""

    __tablename__ = "volunteer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    home_unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"), index=True)
    branch: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ServiceOrder(Base):
    """One order (点单): what a community or street needs, how many people and until when
    they may sign up. ``claimed`` counts the live claims; it only moves through a
    conditional update (``claimed < needed``), so two members can never take one place."""

    __tablename__ = "service_orders"
    __table_args__ = (
        CheckConstraint("claimed >= 0 AND claimed <= needed", name="ck_service_orders_claimed"),
        Index("ix_service_orders_district_stage", "district_key", "stage", "claim_deadline"),
        Index("ix_service_orders_unit", "unit_key", "created_at"),
        Index("ix_service_orders_instance", "instance_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # The posting unit (a community or a street) and the street and district above it.
    unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"))
    street_key: Mapped[str] = mapped_column(String(40))
    district_key: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    needed: Mapped[int]
    claimed: Mapped[int] = mapped_column(default=0)
    claim_deadline: Mapped[datetime]
    escalate_at: Mapped[datetime]
    stage: Mapped[str] = mapped_column(String(20), default="open")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    posted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    escalated_at: Mapped[datetime | None]
    # How the street's party office filled the gaps of an order nobody fully claimed.
    arrangement: Mapped[str] = mapped_column(Text, default="")
    arranged_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(64))

    @property
    def full(self) -> bool:
        return self.claimed >= self.needed


class OrderClaim(Base):
    """A member's place on an order (接单), and once the service is over what the poster
    confirmed: served or not, the hours and the points they earn. A withdrawn claim keeps
    its row (the member may claim again before the deadline)."""

    __tablename__ = "order_claims"
    __table_args__ = (
        UniqueConstraint("order_id", "volunteer_id", name="uq_order_claims_member"),
        Index("ix_order_claims_volunteer", "volunteer_id", "state"),
        Index("ix_order_claims_confirmed", "confirmed_at", "home_unit_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_orders.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profiles.id"))
    # The member's home community and branch when they claimed (rankings keep them).
    home_unit_key: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="claimed")  # claimed | withdrawn
    claimed_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    served: Mapped[bool | None]
    hours: Mapped[float] = mapped_column(default=0.0)
    points: Mapped[float] = mapped_column(default=0.0)
    comment: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
