from wagtail.snippets.models import register_snippet

from kiji.articles.models import Author, Series, SponsoredItem, Tag

register_snippet(Series)
register_snippet(Author)
register_snippet(Tag)
register_snippet(SponsoredItem)
