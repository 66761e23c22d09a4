"""Supplier staff: membership and invitations by e-mail (only a sha256 of the token is
stored). Used by the admin (who invites) and the supplier portal (where staff accept)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.accounts.models import User
from app.accounts.services import create_user, find_user_by_email, normalise_email
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _

from .models import Supplier
from .portal_models import SupplierInvitation, SupplierMember

INVITATION_DAYS = 7


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Membership ------------------------------------------------------------------------------


def suppliers_of(user: User) -> list[Supplier]:
    """The suppliers this user works for (none for everyone else)."""
    return list(db.session.scalars(
        select(Supplier).join(SupplierMember, SupplierMember.supplier_id == Supplier.id)
        .where(SupplierMember.user_id == user.id).order_by(Supplier.name)))


def members_of(supplier: Supplier) -> list[SupplierMember]:
    return list(db.session.scalars(
        select(SupplierMember).where(SupplierMember.supplier_id == supplier.id)
        .order_by(SupplierMember.id)))


def pending_invitations(supplier: Supplier) -> list[SupplierInvitation]:
    return list(db.session.scalars(
        select(SupplierInvitation).where(SupplierInvitation.supplier_id == supplier.id,
                                         SupplierInvitation.accepted_at.is_(None))
        .order_by(SupplierInvitation.id.desc())))


# Invitations -----------------------------------------------------------------------------


def invite_staff(supplier: Supplier, email: str) -> tuple[SupplierInvitation, str]:
    """A new invitation; returns it and the raw token (only its hash is stored)."""
    email = normalise_email(email)
    user = find_user_by_email(email)
    if user is not None and db.session.scalar(select(SupplierMember).where(
            SupplierMember.supplier_id == supplier.id, SupplierMember.user_id == user.id)):
        raise DomainError(_('This person already works for this supplier.'), field="email")
    token = secrets.token_urlsafe(32)
    invitation = SupplierInvitation(supplier_id=supplier.id, email=email, token_hash=_hash(token),
                                    expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def find_invitation(token: str) -> SupplierInvitation | None:
    """The usable invitation behind a token: not accepted, not expired; else None."""
    invitation = db.session.scalar(
        select(SupplierInvitation).where(SupplierInvitation.token_hash == _hash(token or "")))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation


def invited(user: User, invitation: SupplierInvitation) -> bool:
    """Only the addressee may accept: a forwarded or leaked link is no way in for others."""
    return user.email.strip().lower() == invitation.email.strip().lower()


def wrong_account_message(invitation: SupplierInvitation) -> str:
    return (_('This invitation is for %(email)s. Log out, then open the link again and log in (or set a password) as %(email)s.', email=invitation.email))


def accept_invitation(token: str, *, user: User | None = None, password: str = "") -> SupplierMember:
    """Use an invitation once: link `user` (logged in) or create the invitee's account."""
    invitation = find_invitation(token)
    if invitation is None:
        raise DomainError(_('This invitation link is invalid, used or expired. Ask for a new one.'))
    if user is None:
        if find_user_by_email(invitation.email) is not None:
            raise DomainError(_('An account with this email already exists: log in, then open the link again.'))
        user = create_user(invitation.email, password, verified=True)  # the link came by e-mail
    elif not invited(user, invitation):
        raise DomainError(wrong_account_message(invitation))
    elif user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link reached this address
    member = db.session.scalar(select(SupplierMember).where(
        SupplierMember.supplier_id == invitation.supplier_id, SupplierMember.user_id == user.id))
    if member is None:
        member = SupplierMember(supplier_id=invitation.supplier_id, user_id=user.id)
        db.session.add(member)
    # Conditional UPDATE: of two concurrent uses of one token, only one wins.
    used = db.session.execute(
        update(SupplierInvitation)
        .where(SupplierInvitation.id == invitation.id, SupplierInvitation.accepted_at.is_(None))
        .values(accepted_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise DomainError(_('This invitation link was already used.'))
    db.session.flush()
    return member
