"""Finding the narrative (案例概要) inside a Word document.

Three layouts occur: the narrative alone; inside the 案例概要 cell of the 推荐表 table (under the
form's printed instructions); or after the form on extra pages (附页, the cell then often says
“见附页”). Only the narrative is held to the body rules, never the form around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from cases.validation.names import squeeze
from cases.validation.ooxml import qn
from cases.validation.wordcount import word_count
from cases.validation.wordml import Paragraph, WordDocument, block_items, cell_text

NARRATIVE_CELL_LABEL = "案例概要"
# The form's printed instructions inside the 案例概要 cell: the first paragraph of them, any of
# their paragraphs, and the words that end them (…照片格式为上下型环绕。).
INSTRUCTION_MARKERS = ("请您结合上述选择的案例类型", "励志故事要拟定案例标题", "格式要求")
INSTRUCTION_END = "上下型环绕"
MAX_INSTRUCTION_PARAGRAPHS = 15
# What the form prints under its table before any 附页: the note “注：如有其他证明材料，可另附。” and a
# label such as “附页：案例概要” (the portal's filled form writes both). Not part of the narrative.
FORM_NOTE_MARKER = "如有其他证明材料"
APPENDIX_LABEL = "附页"
MAX_APPENDIX_LABEL_CHARS = 10


@dataclass
class NarrativeText:
    """The narrative's paragraphs (in order) and where they were found: 'document', 'form_cell', 'appendix'."""

    paragraphs: list[Paragraph]
    layout: str


def locate_narrative(document: WordDocument, title_style_names: tuple[str, ...]) -> NarrativeText:
    items = block_items(document.body)
    form_table, narrative_cell = _find_form_cell(items)
    if form_table is None:
        top_level = [document.paragraph(item) for item in items if item.tag == qn("w:p")]
        return NarrativeText(top_level, "document")

    in_cell = _without_instructions([document.paragraph(p) for p in block_items(narrative_cell)]) if narrative_cell is not None else []
    # The 附页 start after the form's own table: a table inside the narrative is not the form.
    form_index = next(index for index, item in enumerate(items) if item is form_table)
    appendix = _without_form_note([document.paragraph(item) for item in items[form_index + 1 :] if item.tag == qn("w:p")])

    def score(paragraphs: list[Paragraph]) -> tuple[bool, int]:
        has_title = any(
            paragraph.has_text and _style_name(document, paragraph.element) in title_style_names for paragraph in paragraphs
        )
        return has_title, sum(word_count(paragraph.text) for paragraph in paragraphs) + 50 * sum(len(p.pictures) for p in paragraphs)

    if score(appendix) > score(in_cell):
        return NarrativeText(appendix, "appendix")
    return NarrativeText(in_cell, "form_cell")


def _style_name(document: WordDocument, paragraph: etree._Element) -> str:
    return normalise_style_name(document.formatting.style_name(document.formatting.paragraph_style_id(paragraph)))


def normalise_style_name(name: str) -> str:
    return "".join(name.split()).casefold()


def _find_form_cell(items: list[etree._Element]) -> tuple[etree._Element | None, etree._Element | None]:
    """The top-level table holding the 案例概要 label, and the cell to the right of (or under) it."""
    label = squeeze(NARRATIVE_CELL_LABEL)
    for table in (item for item in items if item.tag == qn("w:tbl")):
        rows = table.findall(qn("w:tr"))
        for row_index, row in enumerate(rows):
            cells = row.findall(qn("w:tc"))
            for cell_index, cell in enumerate(cells):
                if squeeze(cell_text(cell)) != label:
                    continue
                if cell_index + 1 < len(cells):
                    return table, cells[cell_index + 1]
                if row_index + 1 < len(rows):
                    below = rows[row_index + 1].findall(qn("w:tc"))
                    return table, below[0] if below else None
                return table, None
    return None, None


def _without_form_note(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Drop the form's note and the 附页 label from the top of the pages after the table."""
    start = 0
    for index, paragraph in enumerate(paragraphs):
        text = squeeze(paragraph.text)
        is_label = text.startswith(APPENDIX_LABEL) and len(text) <= MAX_APPENDIX_LABEL_CHARS and not paragraph.pictures
        if paragraph.has_text and not (FORM_NOTE_MARKER in text or is_label):
            break
        if paragraph.pictures:
            break
        start = index + 1
    return paragraphs[start:]


def _without_instructions(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Drop the form's printed instructions from the top of the cell (and any stray copy of them)."""
    squeezed_markers = [squeeze(marker) for marker in INSTRUCTION_MARKERS]
    first_text = next((index for index, paragraph in enumerate(paragraphs) if paragraph.has_text), None)
    start = 0
    if first_text is not None and any(marker in squeeze(paragraphs[first_text].text) for marker in squeezed_markers):
        window = paragraphs[first_text : first_text + MAX_INSTRUCTION_PARAGRAPHS]
        end_offsets = [offset for offset, paragraph in enumerate(window) if INSTRUCTION_END in paragraph.text]
        start = first_text + (end_offsets[-1] + 1 if end_offsets else 1)
    return [
        paragraph
        for paragraph in paragraphs[start:]
        if not any(marker in squeeze(paragraph.text) for marker in squeezed_markers[:2])
    ]
