"""The A4 layout of a certificate: title, header items, one bordered grid per section, 以下余白, then the
attestation, date, mayor's name and seal, QR code and verification code. Long documents continue on further
pages (each page carries the issue number, the verification code and "n / N"); the attestation block stays
whole on the last page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kuyakusho.core.wareki import format_wareki

from .canvas import GlyphSet, Page
from .images import mayor_seal_png, pdf_image_from_png, qr_path
from .model import CertificateDocument, Item, Section, Table

PAGE_W, PAGE_H = 595.28, 841.89
MARGIN_X, TOP, BOTTOM = 42.5, 44.0, 46.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
LEFT, RIGHT = MARGIN_X, PAGE_W - MARGIN_X
LABEL_W = 92.0
LABEL_SIZE, VALUE_SIZE, SMALL = 8.5, 10.0, 7.5
LINE_H, PAD = 13.0, 4.0
IMAGE_BOX = 112.0
SEAL_SIZE = 60.0
QR_SIZE = 66.0
INK = (0.0, 0.0, 0.0)
MUTED = (0.25, 0.25, 0.25)


@dataclass
class Block:
    height: float
    draw: Callable[[Page, float], None]  # (page, y of the block's top edge)
    keep_with_next: bool = False


def _label(page: Page, x: float, top: float, w: float, h: float, text: str) -> None:
    page.rect(x, top - h, w, h, fill=0.93)
    lines = page.glyphs.wrap(text, LABEL_SIZE, w - 2 * PAD)
    for i, line in enumerate(lines):
        page.text(x + PAD, top - PAD - LABEL_SIZE - i * LINE_H + 1, line, LABEL_SIZE)


def _value(page: Page, x: float, top: float, w: float, h: float, lines: list[str], *, right: bool = False) -> None:
    page.rect(x, top - h, w, h)
    for i, line in enumerate(lines):
        y = top - PAD - VALUE_SIZE - i * LINE_H + 1.5
        if right:
            page.text_right(x + w - PAD, y, line, VALUE_SIZE)
        else:
            page.text(x + PAD, y, line, VALUE_SIZE)


def _item_rows(glyphs: GlyphSet, items: tuple[Item, ...], x0: float, width: float, *, pair: bool = True
               ) -> list[Block]:
    """Rows of label/value cells: two items a row unless an item is wide (or ``pair`` is off)."""
    rows: list[list[Item]] = []
    for item in items:
        if pair and not item.wide and rows and len(rows[-1]) == 1 and not rows[-1][0].wide:
            rows[-1].append(item)
        else:
            rows.append([item])
    blocks = []
    for row in rows:
        cell_w = width / 2 if pair and not row[0].wide else width
        cells = []
        height = 0.0
        for k, item in enumerate(row):
            lines = glyphs.wrap(item.value, VALUE_SIZE, cell_w - LABEL_W - 2 * PAD)
            label_lines = glyphs.wrap(item.label, LABEL_SIZE, LABEL_W - 2 * PAD)
            height = max(height, max(len(lines), len(label_lines)) * LINE_H + 2 * PAD - 1)
            cells.append((x0 + k * cell_w, item.label, lines))

        def draw(page: Page, top: float, cells=cells, height=height, cell_w=cell_w, row=row) -> None:
            for x, label, lines in cells:
                _label(page, x, top, LABEL_W, height, label)
                _value(page, x + LABEL_W, top, cell_w - LABEL_W, height, lines)
            if len(row) == 1 and cell_w < width:  # an odd item out: close the row with an empty pair
                page.rect(x0 + cell_w, top - height, width - cell_w, height)

        blocks.append(Block(height, draw))
    return blocks


def _table_rows(glyphs: GlyphSet, table: Table) -> list[Block]:
    n = len(table.columns)
    shares = [1.6] + [1.0] * (n - 1)
    widths = [CONTENT_W * s / sum(shares) for s in shares]
    right = table.right or (False,) * n
    blocks = []
    for r, row in enumerate((table.columns, *table.rows)):
        cells = [glyphs.wrap(text, VALUE_SIZE, w - 2 * PAD) for text, w in zip(row, widths, strict=True)]
        height = max(len(c) for c in cells) * LINE_H + 2 * PAD - 1

        def draw(page: Page, top: float, cells=cells, height=height, header=(r == 0)) -> None:
            x = LEFT
            for k, (lines, w) in enumerate(zip(cells, widths, strict=True)):
                if header:
                    _label(page, x, top, w, height, "\n".join(lines))
                else:
                    _value(page, x, top, w, height, lines, right=right[k])
                x += w

        blocks.append(Block(height, draw, keep_with_next=(r == 0)))
    return blocks


def _section_blocks(glyphs: GlyphSet, section: Section) -> list[Block]:
    blocks: list[Block] = []
    if section.heading:
        def heading(page: Page, top: float, text=section.heading) -> None:
            page.rect(LEFT, top - 17, CONTENT_W, 17, fill=0.82)
            page.text(LEFT + PAD, top - 12.5, text, VALUE_SIZE)

        blocks.append(Block(17, heading, keep_with_next=True))
    if section.image_png is not None:
        image = pdf_image_from_png(section.image_png)
        rows = _item_rows(glyphs, section.items, LEFT + IMAGE_BOX, CONTENT_W - IMAGE_BOX, pair=False)
        height = max(sum(b.height for b in rows), IMAGE_BOX)

        def with_image(page: Page, top: float, rows=rows, height=height, label=section.image_label) -> None:
            _label(page, LEFT, top, IMAGE_BOX, 15, label)
            page.rect(LEFT, top - height, IMAGE_BOX, height)
            box = min(IMAGE_BOX - 16, height - 24)
            scale = box / max(image.width, image.height)
            w, h = image.width * scale, image.height * scale
            page.image(f"Im{id(image)}", image, LEFT + (IMAGE_BOX - w) / 2, top - 15 - (height - 15 + h) / 2, w, h)
            y = top
            for block in rows:
                block.draw(page, y)
                y -= block.height
            if y > top - height:
                page.rect(LEFT + IMAGE_BOX, top - height, CONTENT_W - IMAGE_BOX, y - (top - height))

        blocks.append(Block(height, with_image))
    else:
        blocks.extend(_item_rows(glyphs, section.items, LEFT, CONTENT_W))
    if section.table is not None:
        blocks.extend(_table_rows(glyphs, section.table))
    for note in section.notes:
        lines = glyphs.wrap(note, SMALL + 0.5, CONTENT_W - 2 * PAD)

        def draw_note(page: Page, top: float, lines=lines) -> None:
            for i, line in enumerate(lines):
                page.text(LEFT + PAD, top - 10 - i * 10.5, line, SMALL + 0.5, color=MUTED)

        blocks.append(Block(len(lines) * 10.5 + 4, draw_note))
    blocks.append(Block(8, lambda page, top: None))
    return blocks


def _attestation_block(glyphs: GlyphSet, doc: CertificateDocument) -> Block:
    lines = glyphs.wrap(doc.attestation, 11, CONTENT_W - 24)
    seal = pdf_image_from_png(doc.mayor_seal_png or mayor_seal_png())
    height = 26 + len(lines) * 17 + 22 + 40 + QR_SIZE

    def draw(page: Page, top: float) -> None:
        y = top - 26
        for line in lines:
            page.text(LEFT + 12, y, line, 11)
            y -= 17
        page.text(LEFT + 24, y - 6, format_wareki(doc.issue_date), 11)
        y -= 40
        name_right = RIGHT - SEAL_SIZE + 10  # the seal covers the end of the name, as stamped
        width = page.glyphs.width(doc.mayor_name, 14)
        page.text_right(name_right, y, doc.mayor_name, 14)
        page.text_right(name_right - width - 14, y, doc.mayor_title, 14, spacing=1.0)
        page.image("Seal", seal, RIGHT - SEAL_SIZE, y - SEAL_SIZE / 2 + 4, SEAL_SIZE, SEAL_SIZE)
        qr_ops, _ = qr_path(doc.verify_url, LEFT, top - height, QR_SIZE)
        page.raw(qr_ops)
        tx, ty = LEFT + QR_SIZE + 6, top - height + QR_SIZE - 14
        page.text(tx, ty, f"検証コード　{doc.verification_code}", 9)
        page.text(tx, ty - 13, "この証明書は電子署名されています。QRコードまたは次のアドレスで交付の事実と", SMALL,
                  color=MUTED)
        page.text(tx, ty - 23, "有効性を確認できます。", SMALL, color=MUTED)
        page.text(tx, ty - 35, doc.verify_url, SMALL, color=MUTED)
        page.text(tx, ty - 47, f"交付　{doc.channel_label}", SMALL, color=MUTED)

    return Block(height, draw)


def _end_mark(page: Page, top: float) -> None:
    page.text_right(RIGHT - 4, top - 12, "以下余白", 9)


def _paginate(blocks: list[Block], first_top: float, next_top: float) -> list[list[tuple[float, Block]]]:
    """Place blocks top to bottom, page after page. A block that keeps with the next one starts a new page
    unless its whole chain (it and the blocks it keeps with) fits; a chain taller than a page breaks where it
    must, so that as much of its end as possible stays together."""
    page_room = next_top - BOTTOM
    chains = [0.0] * len(blocks)  # height of each block's chain, from it to the end of its chain
    for i in range(len(blocks) - 1, -1, -1):
        chains[i] = blocks[i].height + (chains[i + 1] if blocks[i].keep_with_next and i + 1 < len(blocks) else 0)
    placements: list[list[tuple[float, Block]]] = [[]]
    y = first_top
    for i, block in enumerate(blocks):
        need = chains[i] if chains[i] <= page_room else block.height
        if block.keep_with_next and chains[i] > page_room and i + 1 < len(blocks):
            need = block.height + (blocks[i + 1].height if chains[i + 1] > page_room else chains[i + 1])
        if y - need < BOTTOM and placements[-1]:
            placements.append([])
            y = next_top
        placements[-1].append((y, block))
        y -= block.height
    return placements


def lay_out(doc: CertificateDocument, glyphs: GlyphSet) -> list[Page]:
    """The pages of ``doc``. The attestation (認証文, date, mayor's name and seal) never stands alone: it keeps
    with 以下余白 and the last section (the last person), which move to the next page with it if need be."""
    blocks: list[Block] = []
    if doc.header:
        blocks.extend(_item_rows(glyphs, doc.header, LEFT, CONTENT_W, pair=False))
        blocks.append(Block(8, lambda page, top: None))
    last_section = len(blocks)
    for section in doc.sections:
        last_section = len(blocks)
        blocks.extend(_section_blocks(glyphs, section))
    if doc.notes:
        last_section = len(blocks)  # the 備考 row is then the last entry the attestation keeps with
        blocks.extend(_item_rows(glyphs, (Item("備考", "\n".join(doc.notes), wide=True),), LEFT, CONTENT_W))
    for block in blocks[last_section:]:
        block.keep_with_next = True
    blocks.append(Block(16, _end_mark, keep_with_next=True))
    blocks.append(_attestation_block(glyphs, doc))
    placements = _paginate(blocks, PAGE_H - TOP - 48, PAGE_H - TOP - 22)

    pages = []
    total = len(placements)
    for number, placed in enumerate(placements, start=1):
        page = Page(glyphs, PAGE_W, PAGE_H)
        page.text_right(RIGHT, PAGE_H - 30, f"交付番号　第{doc.issue_number}号", 9)
        if number == 1:
            page.text_center(PAGE_W / 2, PAGE_H - TOP - 28, doc.title, 20, spacing=6.0)
        else:
            page.text(LEFT, PAGE_H - TOP - 8, f"{doc.title}（続き）", 11)
        for top, block in placed:
            block.draw(page, top)
        page.line(LEFT, 34, RIGHT, 34, 0.3)
        page.text(LEFT, 24, f"{doc.issuer}　検証コード {doc.verification_code}", SMALL, color=MUTED)
        page.text_right(RIGHT, 24, f"{number} / {total}", SMALL, color=MUTED)
        pages.append(page)
    return pages
