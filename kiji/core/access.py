"""The one access ladder: may this person do this to that, and if not, why and what unlocks it.

Every surface (pages, feeds, sitemap, and later the API, e-mail, search and the assistant) asks
here. Levels: anonymous → registered (basic info) → complete (required details) → premium, with
staff beside them. Callers only ever see `Decision`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.utils.functional import Promise

    from kiji.members.models import Profile

    Person = AbstractBaseUser | AnonymousUser | None


class ArticleAccess(models.TextChoices):
    FREE = "free", _("無料")
    MEMBERS = "members", _("会員限定")
    PREMIUM = "premium", _("プレミアム会員限定")


class Readable(Protocol):
    """Anything that stands for an article: the page itself or its cached bundle."""

    @property
    def pk(self) -> Any: ...

    @property
    def access_level(self) -> str: ...


class Action(StrEnum):
    READ_ARTICLE = "read_article"
    SAVE_FAVORITE = "save_favorite"
    FOLLOW_TAG = "follow_tag"
    SEE_RECOMMENDATIONS = "see_recommendations"
    ASK_ASSISTANT = "ask_assistant"
    ASK_QUESTION = "ask_question"  # one more question now: premium and today's quota
    OPEN_CONVERSATION = "open_conversation"  # see, continue or delete an assistant conversation
    READ_COMMENTS = "read_comments"
    POST_COMMENT = "post_comment"
    REPLY_COMMENT = "reply_comment"
    LIKE_COMMENT = "like_comment"
    REPORT_COMMENT = "report_comment"
    FOLLOW_MEMBER = "follow_member"
    MODERATE_COMMENTS = "moderate_comments"
    BLOCK_MEMBER = "block_member"
    USE_NOTIFICATIONS = "use_notifications"


class Level(StrEnum):
    ANONYMOUS = "anonymous"
    REGISTERED = "registered"
    COMPLETE = "complete"
    PREMIUM = "premium"
    STAFF = "staff"


class Unlock(StrEnum):
    """The next step that lifts a denial."""

    SIGN_UP = "sign_up"
    COMPLETE_PROFILE = "complete_profile"
    GO_PREMIUM = "go_premium"


# What stays locked until the detailed profile is complete (the reference page's panel).
LOCKED_UNTIL_COMPLETE = (
    _("記事閲覧数の制限なし"),
    _("[お気に入り]ボタンでの記事取り置き"),
    _("タグフォロー"),
    _("おすすめコンテンツの表示"),
)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""
    message: Promise | str = ""
    unlock: Unlock | None = None
    # Reading: whether this read uses up one of the month's free reads, and how many are left.
    counts_read: bool = False
    reads_left: int | None = None
    locked: tuple[Promise | str, ...] = field(default=())
    # A 機能制限 in force (kiji.comments.models.Restriction): the notice names it.
    restriction: Any = None
    # The assistant: questions left today (None: no limit).
    questions_left: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(allowed=True)


@dataclass
class MemberStatus:
    level: Level
    profile: Profile | None = None
    missing_details: list[str] = field(default_factory=list)
    monthly_reads: int = 0
    plan_code: str = ""  # the premium plan in force, for per-plan limits
    _read_ids: set[int] | None = None
    _restrictions: list[Any] | None = None
    _blocks: tuple[set[int], set[int]] | None = None
    _person: Any = None

    def read_ids(self) -> set[int]:
        """Members-only articles this member opened this month (loaded on first need)."""
        if self._read_ids is None:
            from kiji.members.selectors import article_ids_read_this_month

            self._read_ids = article_ids_read_this_month(self._person)
        return self._read_ids

    def restrictions(self) -> list[Any]:
        """The member's restrictions in force (loaded on first need, one query)."""
        if self._restrictions is None:
            from kiji.comments.selectors import active_restrictions

            self._restrictions = active_restrictions(self._person) if self._person is not None else []
        return self._restrictions

    def blocks(self) -> tuple[set[int], set[int]]:
        """(members this member blocks, members who block this member), one query on first need."""
        if self._blocks is None:
            from kiji.social.selectors import block_sets

            self._blocks = block_sets(self._person) if self._person is not None else (set(), set())
        return self._blocks

    def restriction_of(self, feature: str) -> Any:
        return next((r for r in self.restrictions() if feature in r.features), None)


_STATUS_ATTR = "_kiji_member_status"


def status_of(person: Person) -> MemberStatus:
    """The member's place on the ladder, computed once per request (memoised on the user)."""
    if person is None or not person.is_authenticated:
        return MemberStatus(Level.ANONYMOUS)
    cached: MemberStatus | None = getattr(person, _STATUS_ATTR, None)
    if cached is not None:
        return cached
    from kiji.members.selectors import member_settings, profile_for
    from kiji.premium.selectors import active_subscription

    config = member_settings()
    profile = profile_for(person)
    missing = profile.missing_details(config.required_details) if profile else list(config.required_details)
    is_staff = bool(getattr(person, "is_staff", False))
    subscription = None if is_staff else active_subscription(person)
    premium = subscription is not None
    level = level_from(is_staff=is_staff, premium=premium, has_profile=profile is not None, missing=missing)
    plan_code = subscription.plan.code if subscription is not None else ""
    status = MemberStatus(level, profile, missing, config.monthly_free_reads, plan_code, _person=person)
    setattr(person, _STATUS_ATTR, status)
    return status


def level_from(*, is_staff: bool, premium: bool, has_profile: bool, missing: list[str]) -> Level:
    """The ladder's one rule for a signed-in member (also used in bulk by member administration)."""
    if is_staff:
        return Level.STAFF
    if premium:
        return Level.PREMIUM
    if has_profile and not missing:
        return Level.COMPLETE
    return Level.REGISTERED


def forget_status(person: Person) -> None:
    """Call after a change that moves the member on the ladder (profile saved, premium granted)."""
    if person is not None and hasattr(person, _STATUS_ATTR):
        delattr(person, _STATUS_ATTR)


def level_of(person: Person) -> Level:
    return status_of(person).level


def decide(person: Person, action: Action, obj: Any = None) -> Decision:
    status = status_of(person)
    if action is Action.READ_ARTICLE:
        return _read_article(status, obj)
    if action in (Action.SAVE_FAVORITE, Action.FOLLOW_TAG, Action.SEE_RECOMMENDATIONS):
        return _complete_members_only(status)
    if action is Action.ASK_ASSISTANT:
        return _premium_only(status)
    if action is Action.ASK_QUESTION:
        return _ask_question(status, person, obj)
    if action is Action.OPEN_CONVERSATION:
        return _own_conversation(person, obj)
    if action in _COMMUNITY_ACTIONS:
        return _community(status, action, obj)
    if action is Action.MODERATE_COMMENTS:
        return _moderate(person)
    if action in (Action.BLOCK_MEMBER, Action.USE_NOTIFICATIONS):
        # Every member may block and has notifications; visitors sign in first.
        if status.level is Level.ANONYMOUS:
            return _sign_up("members_only", _("この機能は会員の方がご利用いただけます。"))
        return ALLOW
    raise ValueError(f"unknown action {action!r}")


def can_read_article(person: Person, article: Readable) -> Decision:
    return decide(person, Action.READ_ARTICLE, article)


def _sign_up(reason: str, message: Promise | str) -> Decision:
    return Decision(allowed=False, reason=reason, message=message, unlock=Unlock.SIGN_UP)


def _read_article(status: MemberStatus, article: Readable) -> Decision:
    access = article.access_level
    if access == ArticleAccess.FREE:
        return ALLOW
    if access == ArticleAccess.PREMIUM:
        return _premium_only(status, message=_("この記事はプレミアム会員限定です。"))
    if status.level is Level.ANONYMOUS:
        return _sign_up(
            "members_only", _("この記事は会員限定です。無料の会員登録で続きをお読みいただけます。")
        )
    if status.level is not Level.REGISTERED:
        return ALLOW
    # Registered, details incomplete: a monthly quota; re-reading an article already counted is free.
    read = status.read_ids()
    left = max(status.monthly_reads - len(read), 0)
    if article.pk in read:
        return Decision(allowed=True, reads_left=left)
    if left > 0:
        return Decision(allowed=True, counts_read=True, reads_left=left - 1)
    return Decision(
        allowed=False,
        reason="quota_used_up",
        message=_("今月お読みいただける会員限定記事の上限に達しました。"),
        unlock=Unlock.COMPLETE_PROFILE,
        reads_left=0,
        locked=LOCKED_UNTIL_COMPLETE,
    )


def _complete_members_only(status: MemberStatus) -> Decision:
    if status.level is Level.ANONYMOUS:
        return _sign_up("members_only", _("この機能は会員の方がご利用いただけます。"))
    if status.level is Level.REGISTERED:
        return Decision(
            allowed=False,
            reason="profile_incomplete",
            message=_("必要な会員情報が不足しています。"),
            unlock=Unlock.COMPLETE_PROFILE,
            locked=LOCKED_UNTIL_COMPLETE,
        )
    return ALLOW


def _premium_only(status: MemberStatus, message: Promise | str | None = None) -> Decision:
    if status.level in (Level.PREMIUM, Level.STAFF):
        return ALLOW
    text = message or _("この機能はプレミアム会員の方がご利用いただけます。")
    if status.level is Level.ANONYMOUS:
        return _sign_up("premium_only", text)
    return Decision(allowed=False, reason="premium_only", message=text, unlock=Unlock.GO_PREMIUM)


# 「Kiji に聞く」: questions a Tokyo calendar day, by premium plan code
# (settings.KIJI_ASSISTANT_DAILY_QUESTIONS, e.g. {"yearly": 100}); other plans get the default.
ASSISTANT_DAILY_QUESTIONS_DEFAULT = 50


def assistant_daily_limit(status: MemberStatus) -> int | None:
    """Questions a day for this member; None for staff (no limit)."""
    if status.level is Level.STAFF:
        return None
    per_plan: dict[str, int] = getattr(settings, "KIJI_ASSISTANT_DAILY_QUESTIONS", {})
    default = getattr(settings, "KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT", ASSISTANT_DAILY_QUESTIONS_DEFAULT)
    return int(per_plan.get(status.plan_code, default))


def _ask_question(status: MemberStatus, person: Person, answering: Any = None) -> Decision:
    """A question may be posted, or (`answering`: its Message) answered, within the day's limit."""
    decision = _premium_only(status)
    limit = assistant_daily_limit(status)
    if not decision or limit is None:
        return decision
    from kiji.assistant.selectors import questions_asked_today

    # Not memoised: a member may ask several questions with the same user object.
    left = max(limit - questions_asked_today(person, answering=answering), 0)
    if left > 0:
        return Decision(allowed=True, questions_left=left)
    return Decision(
        allowed=False,
        reason="assistant_quota_used_up",
        message=_(
            "本日の質問回数の上限(%(limit)s回)に達しました。回数は毎日午前0時(日本時間)にリセットされます。"
        )
        % {"limit": limit},
        questions_left=0,
    )


def _own_conversation(person: Person, conversation: Any) -> Decision:
    """A conversation with the assistant is its member's alone: not even staff open it here."""
    owner_id = getattr(conversation, "member_id", None)
    if person is not None and person.is_authenticated and owner_id is not None and owner_id == person.pk:
        return ALLOW
    return Decision(allowed=False, reason="not_owner", message=_("この会話は見つかりません。"))


def full_text_is_public(article: Readable) -> bool:
    """Whether anonymous surfaces (feeds, caches, search engines) may carry the whole text."""
    return article.access_level == ArticleAccess.FREE


# Community features and the restriction feature (kiji.comments.rules.Feature) that turns each off.
_COMMUNITY_ACTIONS = {
    Action.READ_COMMENTS: "",
    Action.POST_COMMENT: "post",
    Action.REPLY_COMMENT: "reply",
    Action.LIKE_COMMENT: "like",
    Action.REPORT_COMMENT: "report",
    Action.FOLLOW_MEMBER: "follow",
}
_POSTING_LEVELS = {
    "registered": (Level.REGISTERED, Level.COMPLETE, Level.PREMIUM, Level.STAFF),
    "complete": (Level.COMPLETE, Level.PREMIUM, Level.STAFF),
    "premium": (Level.PREMIUM, Level.STAFF),
}
RESTRICTED_MESSAGE = _("現在、コメントの違反報告があったため一部機能が利用できなくなっています。")


def _community(status: MemberStatus, action: Action, obj: Any) -> Decision:
    """Comments: reading follows the article's wall; writing needs a member at the configured
    level, no restriction (機能制限) on that feature, and no block between the two members.

    `obj` is the article, a comment (liking, replying: its author's blocks count) or, for
    following, the member to follow.
    """
    article: Readable | None = obj
    other_id: int | None = None
    if action is Action.FOLLOW_MEMBER:
        article, other_id = None, getattr(obj, "pk", None)
    elif obj is not None and hasattr(obj, "author_id") and hasattr(obj, "article"):
        article, other_id = obj.article, obj.author_id
    if action is Action.READ_COMMENTS:
        return _read_comments(status, article)
    if status.level is Level.ANONYMOUS:
        return _sign_up("members_only", _("コメント機能は会員の方がご利用いただけます。"))
    if action in (Action.POST_COMMENT, Action.REPLY_COMMENT):
        from kiji.comments.selectors import comment_settings

        who = comment_settings().who_may_post
        if status.level not in _POSTING_LEVELS.get(who, _POSTING_LEVELS["premium"]):
            if who == "premium":
                return _premium_only(status, _("コメントの投稿はプレミアム会員の方がご利用いただけます。"))
            return Decision(
                allowed=False,
                reason="profile_incomplete",
                message=_("コメントの投稿は詳細情報をご登録の会員の方がご利用いただけます。"),
                unlock=Unlock.COMPLETE_PROFILE,
                locked=LOCKED_UNTIL_COMPLETE,
            )
    if article is not None and not _read_comments(status, article):
        return Decision(
            allowed=False,
            reason="cannot_read",
            message=_("この記事をお読みいただける方のみご利用いただけます。"),
        )
    restriction = status.restriction_of(_COMMUNITY_ACTIONS[action])
    if restriction is not None:
        return Decision(
            allowed=False, reason="restricted", message=RESTRICTED_MESSAGE, restriction=restriction
        )
    if other_id is not None:
        return _between(status, action, other_id)
    return ALLOW


def _between(status: MemberStatus, action: Action, other_id: int) -> Decision:
    """Blocks, as the reference page states them: a blocked member can no longer follow the
    blocker or like (or reply to) the blocker's comments; while a block stands, neither follows."""
    blocking, blocked_by = status.blocks()
    if action is Action.FOLLOW_MEMBER and other_id in blocking:
        return Decision(
            allowed=False,
            reason="blocking",
            message=_(
                "ブロック中の会員はフォローできません。解除すると、お互いに再びフォローできるようになります。"
            ),
        )
    if other_id in blocked_by:
        refusals = {
            Action.FOLLOW_MEMBER: _("この会員をフォローすることはできません。"),
            Action.LIKE_COMMENT: _("この会員のコメントにはいいねできません。"),
            Action.REPLY_COMMENT: _("この会員のコメントには返信できません。"),
        }
        if action in refusals:
            return Decision(allowed=False, reason="blocked", message=refusals[action])
    return ALLOW


def _read_comments(status: MemberStatus, article: Readable | None) -> Decision:
    """Comments of a walled article are seen by those who may read it now, without spending a read."""
    if article is None:
        return ALLOW
    decision = _read_article(status, article)
    if decision.allowed and decision.counts_read:
        return Decision(
            allowed=False, reason="not_opened", message=_("コメントは記事を開くとご覧いただけます。")
        )
    return Decision(
        allowed=decision.allowed, reason=decision.reason, message=decision.message, unlock=decision.unlock
    )


def _moderate(person: Person) -> Decision:
    allowed = bool(
        person is not None
        and person.is_authenticated
        and getattr(person, "is_active", False)
        and getattr(person, "is_staff", False)
        and person.has_perm("comments.moderate_comments")  # type: ignore[attr-defined]
    )
    if allowed:
        return ALLOW
    return Decision(
        allowed=False, reason="not_moderator", message=_("コメントのモデレート権限がありません。")
    )


def text_visible_now(person: Person, article: Readable) -> bool:
    """Whether search snippets (and later the assistant) may quote this article's body to this
    person: the same rule as its comments — readable now, without spending a monthly read."""
    return _read_comments(status_of(person), article).allowed


def walls_open_now(person: Person) -> tuple[frozenset[str], frozenset[int]]:
    """`text_visible_now` in bulk, for filtering in SQL: the access levels whose every article is
    open to this person, and the ids of further articles (this month's counted reads) that are."""
    status = status_of(person)
    levels = {
        Level.ANONYMOUS: {ArticleAccess.FREE},
        Level.REGISTERED: {ArticleAccess.FREE},
        Level.COMPLETE: {ArticleAccess.FREE, ArticleAccess.MEMBERS},
        Level.PREMIUM: {ArticleAccess.FREE, ArticleAccess.MEMBERS, ArticleAccess.PREMIUM},
        Level.STAFF: {ArticleAccess.FREE, ArticleAccess.MEMBERS, ArticleAccess.PREMIUM},
    }[status.level]
    opened = frozenset(status.read_ids()) if status.level is Level.REGISTERED else frozenset()
    return frozenset(str(level) for level in levels), opened
