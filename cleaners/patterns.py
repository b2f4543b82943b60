"""Vocabularies kept as data: marker phrases and regexes, grouped by concept, multilingual.

Rules in `cleaners.rules` import from here and hold no phrase lists of their own, so adding a
language or a phrase is a data change. Phrases are matched on `normalise(line)`: lowercase,
trimmed, punctuation at the ends and runs of whitespace folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

# --- where the article ends -------------------------------------------------------------------
COMMENT_HEADINGS: frozenset[str] = frozenset(
    {
        # en
        "leave a comment",
        "leave a reply",
        "leave a reply cancel reply",
        "post a comment",
        "add a comment",
        "add comment",
        "write a comment",
        "comments",
        "comment",
        "reader comments",
        "join the conversation",
        "join the discussion",
        "have your say",
        "responses",
        "discussion",
        # de
        "kommentare",
        "kommentar schreiben",
        "kommentar verfassen",
        "schreibe einen kommentar",
        "hinterlasse einen kommentar",
        "antworten",
        # fr
        "commentaires",
        "laisser un commentaire",
        "ajouter un commentaire",
        # es
        "comentarios",
        "deja un comentario",
        "dejar un comentario",
        "deja una respuesta",
        # it
        "commenti",
        "lascia un commento",
        "lascia un commento annulla risposta",
        # nl
        "reacties",
        "laat een reactie achter",
        "plaats een reactie",
        # pl
        "komentarze",
        "dodaj komentarz",
        "zostaw komentarz",
        # ru / uk
        "комментарии",
        "оставить комментарий",
        # sv / da / no
        "kommentarer",
        # more, found in the trafilatura evaluation pages' dropped snippets
        "view comments",
        "show comments",
    }
)
"""Headings of a comment section or its form: where the article ends, and what a thread
in a text dump stands under (`cleaners.threads`)."""

THREAD_HEADING_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"^(?:\d[\d,.]*|one|no)\s+(?:\w+\s+)?(?:comments?|responses?|replies|thoughts?|"
        r"reactions?|kommentare?|commentaires?|comentarios?|commenti|comentários|reacties|"
        r"reacciones|komentarz[ey]?|комментари\w*)\b.*$"
    ),
    re.compile(
        r"^(?:reader |user |readers' )?(?:comments?|responses|discussion|kommentare|"
        r"commentaires|comentarios|commenti)(?:\s*\(?\s*\d[\d,.]*)?$"
    ),
    re.compile(r"^(?:post|add|leave) a comment\s*\d+\s+comments?$"),
)
"""A heading over a thread, often with its count: "49 comments", "13 responses to "Police
replaces spokesman"", "8 appreciated comments on ...", "4 comments... read them below or add
one", "comments (87", "reader comments 1" (matched on `normalise`d lines)."""


# A whole short line equal to one of these heads what stands after or beside an article.
RELATED_HEADINGS: frozenset[str] = frozenset(
    {
        # en
        "related articles",
        "related posts",
        "related stories",
        "related news",
        "related content",
        "related",
        "related reading",
        "more related articles",
        "you may also like",
        "you might also like",
        "you may be interested in",
        "recommended",
        "recommended for you",
        "recommended articles",
        "recommended stories",
        "most read",
        "most popular",
        "popular",
        "popular posts",
        "popular articles",
        "popular stories",
        "trending",
        "trending now",
        "trending stories",
        "editor's choice",
        "editors' choice",
        "editor's picks",
        "editors' picks",
        "read next",
        "what to read next",
        "up next",
        "more stories",
        "more articles",
        "more news",
        "latest news",
        "latest articles",
        "latest posts",
        "recent posts",
        "more from this author",
        "post navigation",
        "previous post",
        "next post",
        "older post",
        "newer post",
        "older posts",
        "newer posts",
        "older post home",
        "newer post home",
        "newer post older post home",
        "older entries",
        "newer entries",
        "previous article",
        "next article",
        "further reading",
        "see also",
        "more in this category",
        "other articles",
        "similar articles",
        # de
        "das könnte sie auch interessieren",
        "mehr zum thema",
        "ähnliche beiträge",
        "ähnliche artikel",
        "verwandte artikel",
        "weitere artikel",
        "weitere beiträge",
        "beliebte beiträge",
        "meistgelesen",
        "meist gelesen",
        "neueste beiträge",
        "empfohlene artikel",
        "das könnte dich auch interessieren",
        "beitragsnavigation",
        # fr
        "articles similaires",
        "articles liés",
        "sur le même sujet",
        "les plus lus",
        "vous aimerez aussi",
        "vous aimerez peut-être aussi",
        "à la une",
        "navigation des articles",
        # es
        "también te puede interesar",
        "noticias relacionadas",
        "artículos relacionados",
        "lo más leído",
        "más leídas",
        "lo más visto",
        "entradas relacionadas",
        "navegación de entradas",
        "te recomendamos",
        # it
        "articoli correlati",
        "potrebbe interessarti",
        "i più letti",
        "più letti",
        "navigazione articoli",
        # pt
        "artigos relacionados",
        "notícias relacionadas",
        "mais lidas",
        "navegação de posts",
        # nl
        "gerelateerde artikelen",
        "meest gelezen",
        # pl
        "podobne artykuły",
        "najczęściej czytane",
        # ru / uk
        "похожие статьи",
        # sv / da / no
        "relaterade artiklar",
        # more, found in the trafilatura evaluation pages' dropped snippets
        "more on this story",
        "more on this topic",
        "related topics",
        "read more articles",
        "you may also be interested in",
        "more like this",
        "most viewed",
        "most shared",
        "top stories",
        "keep reading",
        "recommended reading",
        "weitere artikel zum thema",
        "weitere themen",
        "mehr themen",
        "empfohlene beiträge",
        "lesen sie auch die folgenden beiträge",
        "weitere beiträge aus der kolumne",
        "das thema könnte dich auch interessieren",
        "kommentierte artikel",
        "weitere beiträge zum thema",
        "mehr aus dem ressort",
        "das könnte ihnen auch gefallen",
        "passend zum thema",
        "top-themen",
        "meistgelesene artikel",
        "ähnliche themen",
        "verwandte themen",
        "weitere nachrichten",
        "mehr zum thema:",
        "dazu passend",
        "zum thema",
        "notas relacionadas",
        "contenido relacionado",
        "más noticias",
        "otras noticias",
        "también te puede gustar",
        "lo último",
        "recomendados",
        "relacionadas",
        "mais notícias",
        "leia também:",
        "ti potrebbe interessare",
        "altri articoli",
        "sur le même thème",
        "à voir aussi",
        "nos derniers articles",
        "dans la même rubrique",
        "weiterführende links",
    }
)
"""Headings of lists of links to other pages beside or after an article: related and
recommended, most read, the latest, further reading, post navigation (matched on
`normalise`d lines)."""

ARTICLE_END_HEADINGS: frozenset[str] = frozenset(
    {
        # en
        "about the author",
        "share this article",
        "sign up for our newsletter",
        "subscribe to our newsletter",
        "press contact",
        "media contact",
        "media contacts",
        # de
        "kontakt",
        "pressekontakt",
        "ansprechpartner",
        "ansprechpartnerin",
        "ansprechpartner zum thema",
        "ansprechpartnerin zum thema",
        "quellenangaben",
        "originalpublikation",
        # es / fr / it
        "contacto de prensa",
        "contact presse",
        "contatti stampa",
        # pt / uk: comments and the comment form
        "comentários",
        "deixe um comentário",
        "deixe uma resposta",
        "коментарі",
    }
)
"""Headings of what follows an article and is no list of other pages: the author box,
sign-ups, a press release's contacts and sources, comment forms."""

SIDEBAR_HEADINGS: frozenset[str] = frozenset(
    {
        # en: the widgets of a blog's sidebar
        "archives",
        "blog archive",
        "tag cloud",
        "blogroll",
        "recent comments",
        "about me",
        "labels",
        "followers",
        "my blog list",
        "subscribe to",
        "recent articles",
        # de
        "archiv",
        "schlagwörter",
        "neueste kommentare",
        "neueste beiträge",
        # fr
        "commentaires récents",
        "articles récents",
        # es
        "archivos",
        "comentarios recientes",
        "entradas recientes",
        # it
        "archivi",
        "commenti recenti",
        "articoli recenti",
    }
)
"""Headings of a blog's sidebar widgets, which list links to other pages of the site. Menu
words that also head a shop's or a catalogue's content ("Categories", "Tags", "Pages") are
not among them: the list under them can be the page itself."""

TAIL_MARKERS: frozenset[str] = RELATED_HEADINGS | ARTICLE_END_HEADINGS | COMMENT_HEADINGS
"""Full-line markers after which the rest of the page is not the article."""

TAIL_MARKER_PATTERNS = THREAD_HEADING_PATTERNS
"""Short tail markers with a number or a name in them: the headings of comment threads."""

# A product's customer reviews: their heading, or the first review's rating or votes. A bare
# "Reviews" is often a tab above the description, so it is not a marker.
REVIEW_MARKERS: frozenset[str] = frozenset(
    {
        "customer reviews",
        "product reviews",
        "customer ratings",
        "ratings & reviews",
        "ratings and reviews",
        "reviews and ratings",
        "customer ratings & reviews",
        "write a review",
        "kundenbewertungen",
        "avis clients",
        "opiniones de clientes",
        "recensioni dei clienti",
    }
)
REVIEW_MARKER_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^customer reviews \(\d[\d,]*\)?$"),
    re.compile(r"^\d[\d,.]* (customer )?reviews$"),
    re.compile(r"^reviews (for this (item|product|shop)|summary)( \(\d[\d,]*\)?)?$"),
    re.compile(
        r"^(\d(\.\d)? )?(stars? )?out of 5( stars)?\W*(based on )?\d[\d,]* "
        r"(customer )?(reviews|ratings)$"
    ),
    re.compile(r"^rated \d(\.\d)? out of \d( stars)?$"),
    re.compile(
        r"^(\d+ (out of \d+ )?(people|persons?|customers?)|one person) found this "
        r"(review )?helpful$"
    ),
    re.compile(r"^was this review helpful\??$"),
    re.compile(r"^verified (purchase|buyer|owner)$"),
)

# --- comment sections in HTML ----------------------------------------------------------------
COMMENT_SECTION_NAMES = re.compile(
    r"^(comment|disqus_thread|dsq-comments|comol)|article-comments|post-comments"
)
"""An element whose id or class matches (lowercased) holds comments: trafilatura's own test
(`include_comments=False` drops these), so its dropped comments do not come back."""
RELATED_SECTION_NAMES = re.compile(
    r"related|recommend|most-popular|most-read|more-on|more-from|read-next"
)
"""An element whose id or class matches (lowercased) holds links to other pages: related and
recommended stories, most read, more from the site. trafilatura discards most of these by the
same words, so their lines do not come back into its reading."""

# --- comment threads in text dumps ---------------------------------------------------------
# A thread, line by line: a post's header (who, when: "Anna says:", "On May 2, 2012 at 9:14
# am Rosa said...", "Posted by: Nick at November 7, 2012 7:39 AM") and its actions ("Reply",
# "ReplyDelete", "Report abuse"), repeating post after post, under a heading that counts them
# ("49 comments:", "13 Responses to ...", "Comments (87)").
COMMENT_VERB = re.compile(
    r"\b(?:says|said|wrote|writes|replied|schreibt|schrieb|sagt|meint|antwortete|dit|"
    r"a écrit|écrit|répond|dice|dijo|escribió|escribe|comentó|scrive|ha scritto|disse|"
    r"escreveu|zegt|schreef|napisał|napisała|пишет|написал)(?::|$)"
)
"""A commenter's verb ending the line or followed by a colon (`normalise` strips the colon or
ellipsis at the end): "paul said", "nkhukuzi says: august 9th, 2012"."""
TIME_OF_DAY = re.compile(
    r"\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|uhr|h)?(?!\d)", re.IGNORECASE
)
"""A clock time, as a post's header gives it: "7:42 pm", "17:38", "11.05 Uhr"."""
RELATIVE_AGE = re.compile(
    r"\b(?:\d+|an?|one)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|"
    r"years?)\s+ago\b|\bvor\s+(?:\d+|einer?|einem)\s+(?:sekunden?|minuten?|stunden?|tag(?:en)?|"
    r"wochen?|monat(?:en)?|jahr(?:en)?)\b|\bil y a\s+\d+\s+(?:minutes?|heures?|jours?|"
    r"semaines?|mois|ans?)\b|\bhace\s+\d+\s+(?:minutos?|horas?|días?|semanas?|meses|años?)\b",
    re.IGNORECASE,
)
"""A post's age, as threads give it: "3 days ago", "vor 2 Stunden", "il y a 5 jours"."""
POST_ACTIONS: frozenset[str] = frozenset(
    {
        "reply",
        "replies",
        "replydelete",
        "delete",
        "report",
        "abuse",
        "flag",
        "permalink",
        "link",
        "quote",
        "like",
        "likes",
        "unlike",
        "dislike",
        "recommend",
        "vote",
        "up",
        "down",
        "edit",
        "this",
        "comment",
        "to",
        "antworten",
        "melden",
        "zitieren",
        "répondre",
        "signaler",
        "responder",
        "denunciar",
        "rispondi",
        "segnala",
        "beantwoorden",
        "reageren",
        "odpowiedz",
        "ответить",
    }
)
"""The words of a post's action line ("Reply", "ReplyDelete", "Report abuse", "Like 0",
"Reply to this comment"); a line of these (and counts) is an action line if it holds one of
`POST_REPLY_ACTIONS`."""
POST_REPLY_ACTIONS: frozenset[str] = frozenset(
    {
        "reply",
        "replydelete",
        "report",
        "permalink",
        "antworten",
        "répondre",
        "responder",
        "rispondi",
        "beantwoorden",
        "reageren",
        "odpowiedz",
        "ответить",
    }
)
HEADER_FRAME_WORDS: frozenset[str] = frozenset(
    {"at", "on", "by", "posted", "am", "pm", "um", "le", "el", "il", "de", "von", "par", "por"}
)
"""Words a thread's header template keeps as they are ("<name> | <month> 0, 0 0:0 am |
reply"), with the actions and the commenter's verbs: the frame around a post's name and time
that every header of one thread shares."""
MONTH_NAMES: frozenset[str] = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec januar februar märz mai juni juli "
    "oktober dezember janvier février mars avril juin juillet août septembre octobre novembre "
    "décembre enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split()
)
"""Month names, which a header template folds to one class as it does numbers."""

# --- "read also" headings: usually a teaser inside the article, sometimes its end ----------
TEASER_HEADINGS: frozenset[str] = frozenset(
    {
        "lesen sie auch",
        "auch interessant",
        "à lire aussi",
        "a lire aussi",
        "lire aussi",
        "te puede interesar",
        "le puede interesar",
        "leggi anche",
        "leia também",
        "leia mais",
        "veja também",
        "lees ook",
        "czytaj także",
        "czytaj też",
        "zobacz także",
        "zobacz też",
        "читайте также",
        "читайте також",
        "läs också",
        "læs også",
        "les også",
        "read also",
        "also read",
        "read more",
        "more on this",
        "schon gelesen",
        "vea también",
        "ver también",
        "lea también",
        "zum weiterlesen",
        "weiterlesen",
        "weitere informationen",
        "weiterführende informationen",
        "zusatzinformationen",
    }
)
"""A whole line that introduces one linked headline. Mid-article it is a teaser (it and its
headline go); it ends the article only when no substantial prose follows."""

TEASER_HEADING_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^more (from|in|on|about) [\w' &-]{2,40}$"),
    re.compile(
        r"^(more|other|weitere|mehr|otras|otros|autres|altri|altre) ([\w'-]+ ){0,2}"
        r"(articles|stories|posts|news|artikel|beiträge|themen|nachrichten|noticias|artículos|"
        r"articoli|notizie)( (from|by|on|in|about|aus|zu|zum|von|bei|de|sobre|sur|di) .{1,40})?$"
    ),
    re.compile(r"^top[- ](themen|artikel|stories|storys|news)( .{1,40})?$"),
    re.compile(r"^(mehr zum thema|más sobre|mais sobre|plus sur|altro su)( .{1,40})?$"),
)
"""Headings of a box of links to other pages: "More articles from X", "Weitere aktuelle
Themen aus der Arbeitswelt", "Top-Themen bei X", "Más sobre X"."""

# --- inline teasers that are not the end of the article --------------------------------------
TEASER_PREFIXES: tuple[str, ...] = (
    "read more:",
    "read also:",
    "see also:",
    "related:",
    "also read:",
    "read:",
    "lesen sie auch:",
    "mehr zum thema:",
    "auch interessant:",
    "à lire aussi:",
    "lire aussi:",
    "te puede interesar:",
    "lee también:",
    "leggi anche:",
    "leia também:",
    "lees ook:",
    "czytaj także:",
    "czytaj też:",
    "zobacz także:",
    "читайте также:",
    "lea:",
    "lea más:",
    "lea también:",
    "lea aquí:",
    "le puede interesar:",
    "puedes ver:",
    "vea:",
    "vea también:",
    "ver también:",
    "mira:",
    "mire:",
    "auch lesen:",
    "lesen sie hier:",
    "dowiedz się więcej:",
)
"""A line starting with one of these links to another page; it goes, but nothing after it.
Written with a colon; "»", ">>" or "|" after the phrase count as one ("À lire aussi » ...")."""

# --- navigation --------------------------------------------------------------------------------
BREADCRUMB_SEPARATORS = re.compile(r"\s*(?:>|»|›|→|::)\s*|\s+[/|]\s+")
BREADCRUMB_HOME_WORDS: frozenset[str] = frozenset(
    {
        "home",
        "start",
        "startseite",
        "accueil",
        "inicio",
        "portada",
        "home page",
        "homepage",
        "главная",
        "strona główna",
        "początek",
        "hem",
        "forside",
        "etusivu",
        "início",
    }
)
NAVIGATION_LINES: frozenset[str] = frozenset(
    {
        "skip to content",
        "skip to main content",
        "skip to navigation",
        "jump to content",
        "menu",
        "main menu",
        "navigation",
        "toggle navigation",
        "open menu",
        "close menu",
        "search",
        "search for",
        "home",
        "back to top",
        "back to home",
        "go to top",
        "previous",
        "next",
        "show more",
        "load more",
        "see more",
        "view all",
        "see all",
        "all rights reserved",
        "zum inhalt springen",
        "zur navigation springen",
        "aller au contenu",
        "ir al contenido",
        "vai al contenuto",
        "startseite",
        "suche",
        "accueil",
        "inicio",
        "menü",
        "rechercher",
        "buscar",
        "cerca",
    }
)
"""Whole lines that only make sense as page chrome."""

# --- share, social, subscribe, login ---------------------------------------------------------
SOCIAL_NAMES = (
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "whatsapp",
    "telegram",
    "pinterest",
    "reddit",
    "email",
    "e-mail",
    "print",
    "instagram",
    "youtube",
    "tiktok",
    "threads",
    "bluesky",
    "mastodon",
    "flipboard",
    "xing",
    "vk",
    "copy link",
    "messenger",
    "tumblr",
)
WIDGET_PHRASES: tuple[str, ...] = (
    "share this",
    "share on",
    "share via",
    "share article",
    "share this article",
    "share this story",
    "share this post",
    "click to share",
    "tweet this",
    "follow us",
    "follow us on",
    "like us on facebook",
    "subscribe to",
    "subscribe now",
    "sign up for",
    "sign up to",
    "newsletter",
    "sign in",
    "log in",
    "login",
    "log out",
    "register",
    "create an account",
    "create account",
    "my account",
    "already a subscriber",
    "already have an account",
    "teilen",
    "artikel teilen",
    "jetzt teilen",
    "folgen sie uns",
    "abonnieren",
    "anmelden",
    "einloggen",
    "partager",
    "suivez-nous",
    "s'abonner",
    "se connecter",
    "compartir",
    "síguenos",
    "suscríbete",
    "iniciar sesión",
    "condividi",
    "seguici",
    "iscriviti",
    "accedi",
    "compartilhar",
    "siga-nos",
    "delen",
    "udostępnij",
    "zaloguj się",
    "поделиться",
    "войти",
    # image viewer controls
    "bild anzeigen",
    "bild schließen",
    "bild vergrößern",
    "enlarge image",
    "view larger image",
    "agrandir l'image",
    "ampliar imagen",
)
"""Phrases that make a short line a share/social/subscribe/login widget."""

APPEAL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # newsletter sign-up, in any language: a sign-up verb near "newsletter"
    re.compile(
        r"\b(subscribe|sign up|signing up|abonnier\w*|anmeld\w*|melde (dich|sie)|inscri\w*|"
        r"suscr[ií]b\w*|iscriviti|assine|zapisz si[eę])\b.{0,80}\bnewsletter"
    ),
    re.compile(r"\bnewsletter\b.{0,80}\b(subscribe|sign up|abonnier\w*|anmeld\w*|inscri\w*)\b"),
    re.compile(r"\b(never|don't) miss\b.{0,60}\b(newsletter|sign(ing)? up|by email)\b"),
    # paywall: the rest of the story is for subscribers
    re.compile(r"\bsubscribe (now )?to (our|the) .{0,40}\b(for the full story|edition)"),
    re.compile(r"\bto (view|read|continue reading) the full (story|article)\b"),
    re.compile(r"\balready a subscriber\b"),
    re.compile(r"\bpour (lire la suite|accéder en illimité)\b|\bcréez votre compte\b"),
    re.compile(r"\bhazte (miembro|socio|suscriptor)\b|\bzapraszamy (też )?do subskrypcji\b"),
    # donations and support
    re.compile(r"\b(support|supporting) (our|independent) (work|journalism)\b"),
    re.compile(r"\bconsider supporting\b|\bhelp us continue\b"),
    re.compile(
        r"\bunterstütze?n? (sie )?(unsere arbeit|unseren journalismus|unabhängigen journalismus)\b|"
        r"\bunterstütze uns\b"
    ),
    re.compile(r"\bwesprzyj nas\b"),
    # follow us, our apps and channels, letters to the editor
    re.compile(
        r"\bfollow (us|[\w@.' ]{1,40}) on (twitter|facebook|instagram|linkedin|telegram|youtube|"
        r"tiktok)\b"
    ),
    re.compile(r"\bs[ií]guenos en\b|\babonnez-vous\b|\bsuivez-nous\b"),
    re.compile(r"\b(nuestro|tenemos) canal de (telegram|whatsapp|youtube)\b"),
    re.compile(r"\bdownload (the|our) [\w ]{0,30}apps? for (ios|android)"),
    re.compile(r"\b(submit|write) (a|your) letter to the editor\b"),
)
"""Appeals to the reader (sign up, subscribe for the full story, support us, follow us):
page furniture even as whole sentences, so they are matched on lines of any length up to
`widgets.APPEAL_MAX_WORDS`, unlike the short share/login prompts of `WIDGET_PHRASES`."""

COOKIE_PHRASES: tuple[str, ...] = (
    "we use cookies",
    "this website uses cookies",
    "this site uses cookies",
    "cookie policy",
    "accept cookies",
    "accept all cookies",
    "cookie settings",
    "manage cookies",
    "wir verwenden cookies",
    "diese website verwendet cookies",
    "nous utilisons des cookies",
    "utilizamos cookies",
    "utilizziamo i cookie",
    "usamos cookies",
)

# --- disclaimers and legal -------------------------------------------------------------------
DISCLAIMER_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"\bviews (expressed|and opinions)\b.*\b(do not|don't) necessarily (reflect|represent)"
    ),
    re.compile(r"\b(do not|don't) necessarily (reflect|represent) the (views|position|opinion)"),
    re.compile(
        r"\bmay (earn|receive) (a |an )?(small )?(affiliate )?(commission|money|compensation)\b"
    ),
    re.compile(r"\bthis (post|article|page) (may )?contains? affiliate links\b"),
    re.compile(r"^(©|\(c\)|copyright\b)"),
    re.compile(r"\ball rights reserved\b"),
    re.compile(
        r"\balle rechte vorbehalten\b|\btous droits réservés\b|\btodos los derechos reservados\b"
    ),
    re.compile(
        r"\bdie (in diesem|im) (artikel|beitrag) (geäußerten|vertretenen) (meinungen|ansichten)"
    ),
    re.compile(r"\bles opinions exprimées\b"),
    re.compile(
        r"\b(enthält|sind|handelt es sich um) (sogenannte )?\W?(affiliate|partner)[- ]?links\b|"
        r"\b(dieser|der) (beitrag|artikel) enthält (werbung|affiliate)"
    ),
)

AD_LABEL = re.compile(
    r"^\W*(anzeige|werbung|advertisement|sponsored|gesponsert|publicidad|publicité|pubblicità|"
    r"reklama)\s*(?:[-–—:,.|\])*]|$)",
    re.IGNORECASE,
)
"""An advertising label opening a short line: "Anzeige", "*Werbung. ...", "ANZEIGE - ..."."""

# --- captions and credits --------------------------------------------------------------------
CREDIT_LABELS = (
    r"photo|photos|photograph|image|images|picture|pic|credit|credits|source|courtesy|"
    r"illustration|graphic|video|foto|fotos|bild|bildquelle|quelle|crédit|crédits|"
    r"fuente|fonte|zdjęcie|źródło|фото|источник|titelbild|beitragsbild|aufmacherbild|"
    r"headerbild|bildnachweis|fotonachweis|bildrechte|illustrative"
)
CREDIT_LINE = re.compile(
    rf"^(?:\(?\s*(?:{CREDIT_LABELS})(?:\s+(?:{CREDIT_LABELS}))?\s*(?:by|credit|:|/|-|–|—)\s*\S.*|"
    r"fot\.\s*\S.*|"
    r"[\w .,'&/-]{0,60}/\s*(?:getty images|reuters|ap|afp|shutterstock|dpa|epa|alamy|istock)"
    r"(?:\s*(?:via|/).*)?)$",
    re.IGNORECASE,
)
"""A line that is only a credit: "photo: Getty Images", "Image by X", "NAME/GETTY IMAGES",
"Crédits photos : X", "Titelbild: X", "Fot. X / Agency"."""

CREDIT_PARENTHETICAL = re.compile(
    rf"\(\s*(?:(?:{CREDIT_LABELS})\s*(?::|by)|courtesy\b|credit\b|©)[^()]*(?:\)|$)",
    re.IGNORECASE,
)
"""A labelled credit closing a line, possibly cut off: "(Source: X)", "(Courtesy of X".
Citations such as "(Reuters, June 24)." carry no label and are not credits."""

CREDIT_TRAILER = re.compile(r"\s[|/]\s*(?:©|\(c\))\s*[^|/©()]{1,40}$", re.IGNORECASE)
"""A credit closing a caption after a bar or slash: "Logo of the award | © Springer"."""

AGENCY_PARENTHETICAL = re.compile(
    r"\([^()]*\b(?:getty images|reuters|ap photo|afp|shutterstock|public domain|wikimedia|"
    r"cc[ -]by|creative commons)\b[^()]*(?:\)|$)",
    re.IGNORECASE,
)
"""An unlabelled parenthetical naming an agency or licence: a credit on a short line only."""

AGENCY_NAMES = re.compile(
    r"\b(getty images|reuters|associated press|ap photo|afp|shutterstock|dpa|epa|alamy|"
    r"istock|unsplash|pexels|wikimedia commons|public domain)\b",
    re.IGNORECASE,
)
AGENCY_CREDIT = re.compile(
    rf"^(?:(?:.{{0,60}}(?:/|\||©|\bvia\b))\s*)?{AGENCY_NAMES.pattern}(?:\s*(?:/|via)\s*.{{0,40}})?$",
    re.IGNORECASE,
)
"""A line that is an agency credit: "Getty Images", "JANE DOE/GETTY IMAGES", "© Reuters"."""

TITLE_SEPARATOR = re.compile(r"(\s+(?:[|•·»:]{1,2}|[-–—~]{1,2})\s+)")
"""What sets a page title's parts apart ("Headline | Site", "Site - Section - Headline"); the
group keeps the separators, so the parts kept are joined as they were."""

COPYRIGHT_MARK = re.compile(
    r"^\s*(?:©|\(c\)|&copy;|copyright\b|urheberrecht\b|droits d'auteur\b)", re.IGNORECASE
)
"""How a copyright line opens, in the languages the other vocabularies cover."""
COPYRIGHT_OPENING = re.compile(
    r"^\s*(?:(?:©|\(c\)|&copy;|copyright\b|urheberrecht\b|droits d'auteur\b)[\s:,]*|"
    r"(?:19|20)\d\d(?:\s*[-–—/]\s*(?:(?:19|20)\d\d|present|heute))?[\s:,.]*)+"
    r"(?:(?:by|von|par|por|di)\s+)?",
    re.IGNORECASE,
)
"""The mark, its years and its "by" ("© 2000-2026 ", "Copyright 2019, ", "(c) 2003 by ")."""
RIGHTS_RESERVED = re.compile(
    r"[\s.,;|-]*\b(?:all rights reserved|alle rechte vorbehalten|tous droits réservés|"
    r"todos los derechos reservados|tutti i diritti riservati)\b.*$",
    re.IGNORECASE,
)
"""How one ends, with all that follows."""
TRAILING_YEARS = re.compile(r"[\s,]*(?:19|20)\d\d(?:\s*[-–—/]\s*(?:19|20)\d\d)?\s*$")
SENTENCE_END = re.compile(r"(\w*)\.(?=\s+\S)")
"""A full stop with more text after it; group 1 is the word it ends."""
ABBREVIATIONS = frozenset("inc ltd llc co corp plc gmbh ag sa bv nv st dr mr mrs ms jr sr".split())
"""Words whose full stop ends no sentence ("Newegg Inc. Shop", "St. Louis Today"), lowercase;
so does a single letter's (an initial)."""


# --- metadata lines --------------------------------------------------------------------------
SOURCE_LINE = re.compile(
    r"^(?:source|quelle|source de l'article|fuente|fonte|źródło)\s*:\s*(.+)$", re.IGNORECASE
)
AUTHOR_BIO = re.compile(
    r"^(.+?)\s+(?:is|was|ist|war|est|était|es|era|è)\s+(?:a|an|the|ein|eine|un|une|una|el|la|le|il)\s",
    re.IGNORECASE,
)
"""A line about who wrote the piece: "Jane Doe is a research associate at ..."; group 1 is
the name when it looks like one."""
PUBLICATION_LINE = re.compile(
    r"^(?:publication|published in|publikation|publié dans|publicación)\s*:\s*(.+)$",
    re.IGNORECASE,
)
PUBLICATION_DETAILS = re.compile(r"\s+(?:volume|vol\.|issue|number|no\.)\s*:?.*$", re.IGNORECASE)
BYLINE_PREFIX = re.compile(
    r"^(?:by|written by|posted by|author|authors|words by|story by|von|autor|autorin|par|"
    r"por|di|door|przez|автор)\s*:?\s+(.+)$",
    re.IGNORECASE,
)
BYLINE_FOR = re.compile(r"^(.{3,60}?)\s+(?:for|für|pour|para|per|dla)\s+(\S.{1,40})$")
""""Dr. Jane Doe for Example News": an author writing for a publication."""

DATE_LINE = re.compile(
    r"^(?:(?:published|updated|posted|last updated|veröffentlicht|aktualisiert|publié|"
    r"mis à jour|publicado|actualizado|pubblicato)\s*(?:on|am|le|el|il)?\s*:?\s*)?"
    r"(?P<date>(?:\w+,?\s+)?(?:\d{1,2}[./ -]\s*\w+\.?[./ -]\s*\d{2,4}|\w+\.? \d{1,2},? \d{4}|"
    r"\d{4}-\d{2}-\d{2})(?:,?\s*(?:at\s*)?\d{1,2}[:.]\d{2}\s*(?:am|pm|uhr|h)?)?(?:\s*\w{2,4})?)$",
    re.IGNORECASE,
)
"""A line that is only a date, with an optional "Published"/"Updated" label."""

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-zé]*\.?"
DATE_IN_LINE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\.?[ ./-]\s*{_MONTH}[ ./,-]\s*\d{{2,4}}"
    rf"|{_MONTH}\s*\d{{1,2}}(?:st|nd|rd|th)?\.?,?\s*\d{{4}}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})\b"
    r"|\b\d+\s*min(?:ute)?s?\s+read\b",
    re.IGNORECASE,
)
"""A full date ("Jul. 11, 2025", "25.Jun.2019", "2024-01-03") or a reading time anywhere in a
line: the dateline under a headline, never the headline itself."""

TAXONOMY_LINE = re.compile(
    r"^(?:kategorie|kategorien|category|categories|categoría|categorías|catégorie|catégories|"
    r"categoria|categorie|tags?|schlagwörter|schlagworte|stichwörter|temas|themen|etiquetas|"
    r"filed under|posted in)(?:\s*:\s*[^\s:]+(?:\s+[^\s:]+){0,2})?$"
)
"""A category or tag label, alone or with a short value: "Kategorie: News", "Tags", "Temas"."""

COUNTER_LINE = re.compile(
    r"^\d[\d.,]*\s*[km]?\s+(likes?|shares?|comments?|views?|followers?|reads?|min read|"
    r"minutes? read|minute read)$",
    re.IGNORECASE,
)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- prose and language ----------------------------------------------------------------------
TERMINAL_PUNCTUATION = tuple(".!?…:;\"'”’»)]")

STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset(
        "the of and to in a is that for it as was with on be by are this at from or an "
        "have not has but they which were their its will been would"
    ),
    "de": _wordset(
        "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als "
        "auch es an werden aus er hat dass sie nach wird bei"
    ),
    "fr": _wordset(
        "de la le et les des en un du une que est pour qui dans par plus pas au sur ne se "
        "il sont ce avec elle aux ont"
    ),
    "es": _wordset(
        "de la que el en y a los del se las por un para con no una su al es lo como más "
        "pero sus le ha"
    ),
    "it": _wordset(
        "di e il la che a in per un è non una del della le si con da i dei gli al sono "
        "anche come nel"
    ),
    "pt": _wordset(
        "de a o que e do da em um para com não uma os no se na por mais as dos como mas ao ele das"
    ),
    "nl": _wordset(
        "de en van het een in is dat op te zijn met voor niet aan er die ook als bij door "
        "wordt naar"
    ),
    "pl": _wordset(
        "i w na z się nie do to że jest o jak po co ale za od przez przy jego tak już być"
    ),
    "ru": _wordset("и в не на что с по как он это к но из у за от так же для все она был"),
}
"""Small stop-word lists: enough to guess a language and to tell prose from chrome."""

INVISIBLE_CHARACTERS = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
"""Soft hyphens and zero-width characters: invisible on the page, but they split words."""

LINE_CACHE_SIZE = 1_024
"""Per-line verdicts are cached: several rules ask the same question of the same line.
Only lines go through the cache, never whole documents (see `count_words`). A page's lines
fit; a cache that also kept other pages' lines held about 100 MiB per worker process at
16,384 entries, and cleaned no faster."""

LINE_CACHE_MAX_CHARS = 10_000
"""The word tuples of longer lines are not cached (`words`), and their counts are taken without
one (`signals.word_count`): a dump that was one 5 MB line left its million-word tuple (about
80 MiB) in a worker's cache after its page was done."""

WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=LINE_CACHE_SIZE)
def normalise(line: str) -> str:
    """Lowercase, fold whitespace and typographic apostrophes, strip punctuation at the ends.

    Cached whatever the line's length: the key it returns is no bigger than the line."""
    line = unicodedata.normalize("NFKC", line).replace("’", "'").replace("‘", "'")
    return _strip_edge_punctuation(collapse_whitespace(line.lower()))


COLLAPSE_PIECE_CHARS = 65_536


def collapse_whitespace(text: str) -> str:
    """`" ".join(text.split())`, the same result, computed piece by piece for long texts: split
    whole, a 5 MB line of a million words held a 60 MiB list for the moment."""
    if len(text) <= COLLAPSE_PIECE_CHARS:
        return " ".join(text.split())
    return " ".join(piece for part in whitespace_pieces(text) if (piece := " ".join(part.split())))


def whitespace_pieces(text: str) -> Iterator[str]:
    """The text in pieces of about `COLLAPSE_PIECE_CHARS`, each cut at a whitespace character
    (left out), so that no word spans two pieces: what is done to a long text's words can be
    done a piece at a time."""
    start = 0
    while start < len(text):
        cut = _WHITESPACE.search(text, min(start + COLLAPSE_PIECE_CHARS, len(text)))
        end = cut.start() if cut else len(text)
        yield text[start:end]
        start = end + 1


_WHITESPACE = re.compile(r"\s")


def _strip_edge_punctuation(text: str) -> str:
    """`text` without the non-alphanumeric characters (regex `[\\W_]`) at either end.

    A loop over the usually zero or one such characters is several times faster than the
    regex, which tries every position of the line for the end of it."""
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One regex matching where any of `patterns` (of the same flags) does: a line is tried
    against all of them in one call instead of one call per pattern."""
    flags = {pattern.flags for pattern in patterns}
    if len(flags) != 1:
        raise ValueError(f"patterns of different flags cannot be one alternation: {flags}")
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns), flags.pop())


def count_words(text: str) -> int:
    """Word count of a whole text, uncached (documents are too big to keep). A long text's
    words are counted one match at a time: as a list, a million words held 60 MiB."""
    if len(text) > COLLAPSE_PIECE_CHARS:
        return sum(1 for _ in WORD.finditer(text))
    return len(WORD.findall(text))


def words(text: str) -> tuple[str, ...]:
    if len(text) > LINE_CACHE_MAX_CHARS:
        return _words(text)
    return _cached_words(text)


def _words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


_cached_words = lru_cache(maxsize=LINE_CACHE_SIZE)(_words)
