"""The built-in list of non-image tags.

Izadinia et al. drop tags that describe the photo's circumstances rather than its
content: years, camera makers and models, and Flickr's own vocabulary. The groups below
were collected from the 1,386 most frequent tags of MIRFLICKR-25k (Huiskes & Lew,
ACM MIR 2008; ``TagList.txt``), which shows what Flickr uploaders type besides content,
and from the makers' product names. Every entry is in the normalised form that
:class:`~skrobust.tags.TagVectorizer` produces (NFKC, lowercase, single spaces); a tag
is also compared with its spaces removed, so ``"nikon d80"`` matches ``nikond80``.
"""

import re

# Camera and lens makers (product pages of each maker); film makers too, since a film
# stock says how the photo was taken, not what it shows.
_MAKERS = """
agfa canon casio fuji fujifilm hasselblad holga ilford kodak konica leica lumix
minolta nikkor nikon olympus panasonic pentax polaroid ricoh rollei samsung sigma
sony tamron vivitar yashica zeiss zuiko lensbaby
"""

# Camera, lens and flash product names without digits (digit-bearing model names are
# matched by the patterns below): Canon, Nikon, Sony, Fuji and Olympus product lines.
_MODELS = """
eos rebel rebelxt xt xti powershot ixus elph coolpix cybershot finepix a640 a100 g7
dslr slr rangefinder cameraphone iphone grd grdigital lca nikonstunninggallery
"""

# Flickr's own vocabulary: the platform, its "Explore" and interestingness pages,
# group-award and invitation tags (the "...award", "...excellence", "delete me /
# save me" groups), geotagging and licence markers, and photo blogs that ask for a
# tag. All of them appear among MIRFLICKR's frequent tags.
_PLATFORM = """
flickr dflickr flickrexplore explore explored exploration interestingness
interesting i500 abigfave impressedbeauty diamondclassphotographer anawesomeshot
supershot naturesfinest flickrdiamond superbmasterpiece aplusphoto blueribbonwinner
goldstaraward platinumphoto mywinners mywinner challengeyouwinner betterthangood
ysplix excellence outstandingshots theperfectphotographer goldenphotographer
ultimateshot firstquality shieldofexcellence animalkingdomelite avianexcellence
catchycolors searchthebest superaplus superhearts wowiekazowie bravo tenpositive
excellentphotographerawards isawyoufirst savedbythedeltemeuncensoredgroup
utatafeature flickrgrouproulette flickrmeetup flickrsbest bestofr specanimal
specnature soe fav faved instantfave geotagged geotag creativecommons artlibre
blogged moblog gwl guesswherelondon foundinsf gothamist dcist chicagoist bostonist
nycpb novideo ltytr1 awr 24hoursofflickr magicdonkey meetup topf25 topf50 topv111
save delete
"""

# Editing software and photographers' projects: how the file was made.
_PROCESS = """
photoshop lightroom gimp picnik photomatix hugin enblend mathmap strobist
365days project365 365
"""

# Words every photo would deserve, so they say nothing about this one.
_GENERIC = """
photo photos photograph photography photographer foto fotos fotografia picture
pictures pic image images digital
"""

# Dates: when the photo was taken is not visible in it (years are matched below).
_DATES = """
january february march april may june july august september october november
december
"""

NON_IMAGE_TAGS = frozenset(
    " ".join([_MAKERS, _MODELS, _PLATFORM, _PROCESS, _GENERIC, _DATES]).split()
)
"""frozenset of str: the built-in non-image tags (``exclude="builtin"``)."""

# Patterns for open-ended families, each fully matching a tag with spaces removed.
_PATTERNS = [
    r"\d+",  # bare numbers: years, counts, film formats (120, 35); never what is shown
    r"(19|20)\d\d",  # years 1900-2099
    r"(nikon)?d\d{1,4}[xsh]?",  # Nikon bodies: d80, d200, d40x, d70s, nikond80
    r"(canon)?(eos)?(\d{2,4}d|[1567]d(s|x)?(mk|mark)?(ii|iii|iv|2|3|4)?)",  # 400d, 5dmkii
    r"(canon|nikon|sony|pentax|olympus|fuji|fujifilm|sigma|tamron|leica)[a-z]*\d\w*",
    r"e\d{1,3}|k\d{2,3}d|s\d{1,2}is|sb\d{3}",  # Olympus e500, Pentax k10d, flashes
    r"\d{1,3}(-?\d{1,3})?mm\w*",  # focal lengths: 50mm, 1855mm, 50mmf14
    r"f\d\.\d|f(14|18|2|28|35|4|56|8|11)",  # apertures: f2.8, f28
    r"\d+fav(e|es|s)?|\d+v\d+f|p\d+f\d+",  # Flickr counters: 10faves, 100v10f, p1f1
    r"(save|delete)\d*|top[fv]\d+",  # "save me / delete me" rounds, topf25
    r"geo:.*|img_?\d+|dsc_?\d+",  # geotags, camera file names
]
NON_IMAGE_PATTERN = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
"""re.Pattern: open-ended non-image families (years, model numbers, focal lengths...)."""


def is_non_image_tag(tag):
    """Whether a normalised tag is in the built-in non-image list.

    Parameters
    ----------
    tag : str
        A tag in normalised form (lowercase, single spaces).

    Returns
    -------
    bool
        True for bare numbers (years, film formats such as "120"), camera makers
        and models, lens specifications, Flickr's platform and award words, editing
        software and months.

    Examples
    --------
    >>> from skrobust.tags import is_non_image_tag
    >>> [is_non_image_tag(t) for t in ["2008", "nikon d80", "explore", "dog"]]
    [True, True, True, False]
    """
    compact = tag.replace(" ", "")
    return (
        tag in NON_IMAGE_TAGS
        or compact in NON_IMAGE_TAGS
        or NON_IMAGE_PATTERN.fullmatch(compact) is not None
    )
