"""The one step that loads an uploaded narrative whole: the 推荐表 inserted in front of it.

python-docx reads every part of a package into memory, so this runs only in a child process with
an address-space limit (cases.documents.confined.merge_narrative starts it through
cases.validation.isolation.run_tool, after the engine's guard has read the zip's directory).
The module imports no Django: the child starts fast and touches no database, no storage, no
settings. Usage: python -m cases.documents.merge FORM.docx NARRATIVE.docx OUT.docx

Merging: the narrative is the *host* document and the form is inserted in front of it with
docxcompose. The narrative's styles (标题1 as the notice requires it, Normal, theme fonts), its
numbering definitions and its images therefore stay exactly as the enterprise made them; the form
carries direct formatting on every paragraph and run and its own section (A4 portrait, margins),
so it looks the same in any host. A section break separates the two, so the narrative keeps its
own page setup, headers and footers, and the form gets none of them.
"""

from __future__ import annotations

import sys
from copy import deepcopy

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.oxml.section import CT_SectPr
from docxcompose.composer import Composer

# Exit codes the parent turns into messages (cases.documents.confined).
EXIT_NOT_WORD = 3  # python-docx cannot open the narrative
EXIT_OUT_OF_MEMORY = 4  # the narrative needs more memory than the limit allows
PEAK_RSS_PREFIX = "peak-rss-kib="


def insert_form_before(host: DocumentObject, form: DocumentObject) -> DocumentObject:
    """Put the form's body in front of the host's and close the form's own section after it."""
    host_had_one_section = len(host.sections) == 1
    form_elements = [el for el in form.element.body if not isinstance(el, CT_SectPr)]
    form_sect_pr = deepcopy(form.element.body.sectPr)

    # The form has a single section, so docxcompose leaves the host's sections alone.
    Composer(host).insert(0, form)

    # form_elements end with the footnote and the 附页 heading: the footnote paragraph ends the
    # form's section (a paragraph-level sectPr marks the end of every section but the last).
    footnote_p = host.element.body[len(form_elements) - 2]
    footnote_p.get_or_add_pPr()._insert_sectPr(form_sect_pr)
    if host_had_one_section:
        # The narrative starts on a page of its own even if its section was "continuous".
        host.sections[-1].start_type = WD_SECTION.NEW_PAGE

    core = host.core_properties
    core.title = form.core_properties.title
    core.subject = form.core_properties.subject
    return host


def peak_rss_kib() -> int:
    """This process's high-water resident memory since its exec (VmHWM), in KiB; 0 if unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(arguments: list[str]) -> int:
    try:
        return _merge(*arguments)
    finally:
        # The last line of stderr, read by the parent (cases.documents.confined) for its log.
        print(f"{PEAK_RSS_PREFIX}{peak_rss_kib()}", file=sys.stderr)


def _merge(form_path: str, narrative_path: str, out_path: str) -> int:
    try:
        try:
            host = Document(narrative_path)
        except MemoryError:
            raise
        except Exception as error:  # python-docx raises several types for foreign packages
            print(f"not a Word document: {type(error).__name__}: {error}", file=sys.stderr)
            return EXIT_NOT_WORD
        merged = insert_form_before(host, Document(form_path))
        merged.save(out_path)
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return EXIT_OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
