"""The rule book: every rule the validators apply, as data, in one place.

Codes are an interface (stored with findings, shown in the UI, used by tests): never rename one;
add a new code instead, and bump RULESET_VERSION whenever a rule's behaviour changes.
Numbers come in as %(parameters)s from limits.py; no number of the notice is written here.
"""

from django.utils.translation import gettext_lazy as _

from cases.validation.findings import ERROR, INFO, WARNING, Rule

# Bump on any change to a check, a limit default or a message: cached findings are keyed by
# (file SHA-256, RULESET_VERSION, the inputs the rules read; see cases.checks.validation_key_for).
RULESET_VERSION = "2024.8"  # 2024.5: OOXML parts capped by size and ratio before reading; 2024.6: technical detail apart from the Chinese message; 2024.7: a note above the notice's 2000 字, lengths from the campaign; 2024.8: narrative.advertising

# --- Any file ---------------------------------------------------------------------------------
FILE_TOO_LARGE = Rule(
    "file.too_large",
    ERROR,
    _("The file is %(found)s, more than the %(limit)s the portal accepts for this kind of file."),
    expected=_("at most %(limit)s"),
    fix=_("Upload a smaller file; for a Word file, compress its pictures only if it stays above the photo size rule."),
)
TOOL_UNAVAILABLE = Rule(
    "tool.unavailable",
    WARNING,
    _("This check could not run: %(found)s is not installed on the server, so a staff member must check the file by hand."),
    fix=_("Nothing to change in the file. Portal administrators: install %(found)s on the workers."),
)

# --- Word documents (narrative, talk text) -----------------------------------------------------
DOCX_UNREADABLE = Rule(
    "docx.unreadable",
    ERROR,
    _("The file cannot be read as a Word document: %(found)s."),
    expected=_("a Word document (.docx, or .doc)"),
    fix=_("Open the file in Word and choose File → Save As → Word Document (*.docx), without a password; do not just rename another file to .docx."),
)
NARRATIVE_EMPTY = Rule(
    "narrative.empty",
    ERROR,
    _("No narrative text was found (looked at the whole document, the 案例概要 cell of the form and the pages after the form)."),
    fix=_("Write the narrative in the 案例概要 cell of the form, or on pages after the form (附页)."),
)
# The enterprise's own Word 推荐表 (optional slot): the narrative inside is held to the rules above.
FORM_NOT_RECOGNISED = Rule(
    "form.not_recognised",
    ERROR,
    _("This file is not the recommendation form (推荐表): it has no table with a 案例概要 row, as the form of 附件3 has."),
    expected=_("the 推荐表 of 附件3 in Word, with its table (案例名称 … 案例概要 … 备注)"),
    fix=_("If this is your narrative, upload it in the slot “Case narrative (Word)” instead, then remove this file. This slot is optional: without a file here the portal fills the form from what you entered (download it on the case page)."),
)
FORM_WITHOUT_NARRATIVE = Rule(
    "form.no_narrative",
    WARNING,
    _("The form holds no 案例概要 text: its 案例概要 cell is empty or refers to attached pages, and no narrative follows the table."),
    expected=_("the narrative in the 案例概要 cell or on pages after the table (附页), or as a separate file"),
    fix=_("Upload the narrative in the slot “Case narrative (Word)” (it is checked there), or put it into this form and upload the form again."),
)
TITLE_STYLE = Rule(
    "narrative.title_style",
    ERROR,
    _("The main title is in the style “%(found)s”, not in the built-in style Heading 1."),
    expected=_("built-in style Heading 1"),
    fix=_("Click in the title → Home → Styles → choose “Heading 1”."),
)
TITLE_FONT = Rule(
    "narrative.title_font",
    ERROR,
    _("The main title is not formatted as required: %(found)s. It should be %(expected)s."),
    expected=_("%(size)s %(font)s"),
    fix=_("Select the title → Home → Font: choose %(font)s and size %(size)s (or right-click the style Heading 1 → Modify, so it stays)."),
)
SUBTITLE_FONT = Rule(
    "narrative.subtitle_font",
    ERROR,
    _("The subtitle is not formatted as required: %(found)s. It should be %(expected)s."),
    expected=_("%(size)s %(font)s"),
    fix=_("Select the subtitle → Home → Font: choose %(font)s and size %(size)s."),
)
SUBTITLE_TEXT = Rule(
    "narrative.subtitle_text",
    WARNING,
    _("The subtitle should be the unit name; found “%(found)s”."),
    expected=_("the unit name “%(unit_name)s”"),
    fix=_("Put the full unit name, as on the form, alone in the line under the title."),
)
BODY_FONT = Rule(
    "narrative.body_font",
    ERROR,
    _("%(count)s paragraph(s) of body text are not in the required Chinese font: %(found)s. It should be %(expected)s."),
    expected=_("%(font)s"),
    fix=_("Select the body text → Font (Ctrl+D) → Chinese font: choose %(font)s. Text left on the Normal style takes the theme font (等线 in Office 2016 and later): change the Normal style instead."),
)
BODY_SIZE = Rule(
    "narrative.body_size",
    ERROR,
    _("%(count)s paragraph(s) of body text are not in the required font size: %(found)s. It should be %(expected)s."),
    expected=_("%(size)s"),
    fix=_("Select the body text → Home → Font size: choose %(size)s."),
)
INDENT = Rule(
    "narrative.indent",
    ERROR,
    _("%(count)s paragraph(s) of body text do not have the required first-line indent: %(found)s. It should be %(expected)s."),
    expected=_("a first-line indent of %(chars)s characters"),
    fix=_("Select the body text → Paragraph → Special: First line, By: %(chars)s characters."),
)
LINE_SPACING = Rule(
    "narrative.line_spacing",
    ERROR,
    _("%(count)s paragraph(s) of body text do not have the required line spacing: %(found)s. It should be %(expected)s."),
    expected=_("Exactly %(points)s pt"),
    fix=_("Select the body text → Paragraph → Line spacing: choose “Exactly”, At: %(points)s pt."),
)
OUTLINE = Rule(
    "narrative.outline",
    WARNING,
    _("The outline part “%(found)s” was not found."),
    expected=_("the four parts of the outline: %(parts)s"),
    fix=_("Add the part with a numbered heading, in the order of the notice: %(parts)s."),
)
LENGTH = Rule(
    "narrative.length",
    WARNING,
    _("The narrative has %(found)s characters as Word counts them; it should stay within about %(limit)s."),
    expected=_("at most %(limit)s characters"),
    fix=_("Shorten the text; Word shows the count under Review → Word Count (字数)."),
)
LENGTH_NOTICE = Rule(
    "narrative.length_notice",
    INFO,
    _("The narrative has %(found)s characters as Word counts them; the notice asks for generally no more than %(limit)s (一般不超过%(limit)s字)."),
    expected=_("at most %(limit)s characters"),
    fix=_("Nothing blocks submission; shorten the text if you can (Review → Word Count shows the count). Above %(tolerance)s characters this becomes a warning."),
)
IMAGE_COUNT = Rule(
    "narrative.image_count",
    ERROR,
    _("The narrative holds %(found)s picture(s); it should hold %(expected)s."),
    expected=_("%(exterior)s exterior photo and %(case)s case photos (at most %(max)s)"),
    fix=_("Insert %(exterior)s photo of the enterprise exterior in part 1 and %(case)s case photos (product, scene) in part 2, no more."),
)
IMAGE_SIZE = Rule(
    "narrative.image_size",
    WARNING,
    _("A picture is only %(found)s; pictures should be original photos of at least %(limit)s. (Word may have compressed it when saving.)"),
    expected=_("at least %(limit)s"),
    fix=_("Insert the original photo (Insert → Pictures) and tick File → Options → Advanced → “Do not compress images in file”."),
)
IMAGE_WRAP = Rule(
    "narrative.image_wrap",
    ERROR,
    _("A picture is wrapped “%(found)s”; it should be wrapped Top and Bottom."),
    expected=_("Top and Bottom wrapping, or in line with text alone in its paragraph"),
    fix=_("Click the picture → Layout Options → Wrap Text → Top and Bottom."),
)
# A warning, never an error: whether a narrative is promotion is the reviewer's decision (issue 18).
# The signs and their word lists: cases/validation/advertising.py and advertising_terms.toml.
ADVERTISING = Rule(
    "narrative.advertising",
    WARNING,
    _("%(count)s passage(s) read as promotion of the enterprise, which the notice forbids (严禁以企业宣传、推广等为内容进行上报): %(found)s. A reviewer decides; the passages are marked."),
    expected=_("the story of the case (people, problem, principle, attempts, route, result), not an advertisement"),
    fix=_("Rewrite the marked passages as part of the story: remove contact details, prices and offers, invitations to buy or cooperate, product lists and slogans; keep a ranking such as 国内领先 only together with the evaluation that concluded it (e.g. 经…组织鉴定，达到国内领先水平)."),
)
TALK_TEXT_LENGTH = Rule(
    "talk_text.length",
    WARNING,
    _("The talk text has %(found)s characters as Word counts them; it should have about %(target)s."),
    expected=_("%(minimum)s to %(limit)s characters"),
    fix=_("Adjust the text; Word shows the count under Review → Word Count (字数)."),
)

# --- Photos ---------------------------------------------------------------------------------
PHOTO_NOT_JPEG = Rule(
    "photo.not_jpeg",
    ERROR,
    _("The file is not a complete JPEG photo: %(found)s."),
    expected=_("a JPG photo"),
    fix=_("Upload the original JPG from the camera. A PNG, HEIC or WebP file renamed to .jpg is not a JPG: set the phone to save JPG, or convert it."),
)
PHOTO_TOO_SMALL = Rule(
    "photo.too_small",
    ERROR,
    _("The photo is %(found)s; it should be at least %(limit)s (sizes as Windows shows them)."),
    expected=_("at least %(limit)s"),
    fix=_("Upload the original camera file; photos sent through chat apps or compressed are too small."),
)
PHOTO_GRAYSCALE = Rule(
    "photo.grayscale",
    ERROR,
    _("The photo is black and white (%(found)s); a colour photo is required."),
    expected=_("a colour photo"),
    fix=_("Upload the original colour photo."),
)
PHOTO_NO_CAMERA = Rule(
    "photo.no_camera",
    WARNING,
    _("The photo carries no camera information (EXIF make and model): it may not be an original digital-camera photo."),
    expected=_("camera make and model in the EXIF data"),
    fix=_("Upload the file as the camera or phone saved it (copy it by cable, or send it as the original image)."),
)
PHOTO_EDITED = Rule(
    "photo.edited",
    WARNING,
    _("The photo was last saved by editing software (%(found)s)."),
    expected=_("an unedited camera original"),
    fix=_("Upload the camera original if you have it."),
)
PHOTO_ASPECT = Rule(
    "photo.aspect",
    ERROR,
    _("The case photo is %(found)s; it should be landscape %(expected)s."),
    expected=_("%(ratio)s"),
    fix=_("Use a landscape photo with a %(ratio)s shape (most cameras' default), or crop it to %(ratio)s."),
)
PHOTO_NAME = Rule(
    "photo.name",
    WARNING,
    _("The file name “%(found)s” does not follow the pattern “%(expected)s”."),
    fix=_("Rename the file to “%(expected)s.jpg” (the portal names files itself when it exports them)."),
)

# --- PDF scans -------------------------------------------------------------------------------
PDF_UNREADABLE = Rule(
    "pdf.unreadable",
    ERROR,
    _("The file cannot be read as a PDF: %(found)s."),
    expected=_("a readable PDF file"),
    fix=_("Scan the paper again and save it as PDF; do not rename other files to .pdf."),
)
PDF_ENCRYPTED = Rule(
    "pdf.encrypted",
    ERROR,
    _("The PDF is protected (%(found)s)."),
    expected=_("a PDF without password or restrictions"),
    fix=_("Save the scan again without a password or security settings."),
)
# A scan or a certificate never needs scripts, launch actions or attached files; they run when a
# reviewer opens the package in a PDF reader.
PDF_ACTIVE_CONTENT = Rule(
    "pdf.active_content",
    ERROR,
    _("The PDF contains active content (%(found)s)."),
    expected=_("a PDF with pages only, no scripts, actions or attached files"),
    fix=_("Print it to a new PDF or scan the paper again, and upload that file."),
)
# Severity is a warning when only some pages are text-born (e.g. one typed page in a scan).
PDF_NOT_SCAN = Rule(
    "pdf.not_scan",
    ERROR,
    _("The PDF is not a scan of the stamped paper: %(found)s."),
    expected=_("every page a scanned image of the stamped paper"),
    fix=_("Print the form, stamp it, scan it, and upload the scan (not a PDF exported from Word)."),
)
PDF_NO_SEAL = Rule(
    "pdf.no_seal",
    WARNING,
    _("No red official seal was found on any page (%(found)s). This is an automatic guess and may be wrong."),
    expected=_("a red round seal on the form"),
    fix=_("Stamp the form with the unit's official seal and scan it in colour."),
)

# --- Video -------------------------------------------------------------------------------
VIDEO_UNREADABLE = Rule(
    "video.unreadable",
    ERROR,
    _("The video cannot be read: %(found)s."),
    expected=_("a complete MP4 video file"),
    fix=_("Export the video again and upload the whole file."),
)
VIDEO_CONTAINER = Rule(
    "video.container",
    ERROR,
    _("The file is %(found)s, not an MP4 video."),
    expected=_("MP4"),
    fix=_("Export the video as MP4 (H.264 + AAC); renaming a .mov file to .mp4 is not enough."),
)
VIDEO_CODEC = Rule(
    "video.codec",
    ERROR,
    _("The video is encoded as %(found)s; it must be H.264."),
    expected=_("H.264"),
    fix=_("Export the video with the H.264 (AVC) codec."),
)
# A video without any sound track uses the message VIDEO_NO_SOUND_MESSAGE (same rule).
VIDEO_AUDIO = Rule(
    "video.audio",
    ERROR,
    _("The video's sound is encoded as %(found)s; it must be AAC."),
    expected=_("AAC audio"),
    fix=_("Export the video with AAC audio."),
)
VIDEO_RESOLUTION = Rule(
    "video.resolution",
    ERROR,
    _("The video resolution is %(found)s; it must be at least %(long)s×%(short)s (%(short)sp)."),
    expected=_("at least %(long)s×%(short)s"),
    fix=_("Export the video at %(long)s×%(short)s or more."),
)
VIDEO_NO_SOUND_MESSAGE = _("The video has no sound track; it must have AAC audio.")
VIDEO_ASPECT = Rule(
    "video.aspect",
    ERROR,
    _("The picture's shape is %(found)s; it must be %(expected)s."),
    expected=_("%(ratio)s landscape"),
    fix=_("Shoot and export the video in landscape %(ratio)s."),
)
VIDEO_DURATION = Rule(
    "video.duration",
    ERROR,
    _("The video lasts %(found)s; it must last %(expected)s."),
    expected=_("%(minimum)s to %(maximum)s"),
    fix=_("Edit the video to last between %(minimum)s and %(maximum)s."),
)

VIDEO_NAME = Rule(
    "video.name",
    WARNING,
    _("The file name “%(found)s” does not follow the pattern “%(expected)s”."),
    fix=_("Rename the file to “%(expected)s.mp4”."),
)

# --- Presentation -----------------------------------------------------------------------------
PPT_UNREADABLE = Rule(
    "ppt.unreadable",
    ERROR,
    _("The file cannot be read as a PowerPoint presentation: %(found)s."),
    expected=_("a PowerPoint file (.pptx, or .ppt)"),
    fix=_("Open it in PowerPoint and choose File → Save As → PowerPoint Presentation (*.pptx), without a password."),
)
PPT_EMPTY = Rule(
    "ppt.empty",
    ERROR,
    _("The presentation has no slides."),
    expected=_("at least one slide"),
    fix=_("Upload the finished presentation."),
)

# --- Package zip -------------------------------------------------------------------------------
PACKAGE_UNREADABLE = Rule(
    "package.unreadable",
    ERROR,
    _("The file cannot be read as a zip archive: %(found)s."),
    expected=_("a .zip archive"),
    fix=_("Compress the files again as .zip (right-click → Send to → Compressed folder)."),
)
PACKAGE_NAME = Rule(
    "package.name",
    WARNING,
    _("The name “%(found)s” does not follow the pattern “%(expected)s”."),
    fix=_("Rename it to “%(expected)s”."),
)
PACKAGE_UNSAFE = Rule(
    "package.unsafe",
    ERROR,
    _("The archive is unsafe to open: %(found)s."),
    expected=_("plain files in plain folders, no passwords, no links"),
    fix=_("Compress the files again without passwords, links or folder paths leading outside the archive."),
)
PACKAGE_MISSING = Rule(
    "package.missing",
    ERROR,
    _("The package has no %(found)s."),
    expected=_("the files the notice asks for"),
    fix=_("Add the file, named as the notice says (%(pattern)s)."),
)
PACKAGE_DUPLICATE = Rule(
    "package.duplicate",
    WARNING,
    _("The package holds several files for %(found)s; only one is expected."),
    fix=_("Keep one file per item."),
)
PACKAGE_UNEXPECTED = Rule(
    "package.unexpected",
    INFO,
    _("The file is not one of the items the notice asks for, so it was not checked."),
    fix=_("Check that it is needed and that its name says what it is (e.g. 推荐表, 证明材料, 企业外景)."),
)

# A finding with one of these codes means the file itself could not be opened safely (damaged,
# disguised, too large, a zip bomb): nothing may parse it afterwards to build a document, a
# preview or a summary from it (cases.documents.confined.open_refusal).
UNOPENABLE_CODES = frozenset({
    FILE_TOO_LARGE.code, DOCX_UNREADABLE.code, PPT_UNREADABLE.code, PHOTO_NOT_JPEG.code, PDF_UNREADABLE.code,
    VIDEO_UNREADABLE.code, PACKAGE_UNREADABLE.code, PACKAGE_UNSAFE.code,
})
