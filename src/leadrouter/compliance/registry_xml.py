"""The XML form of a registry report, read with defusedxml: the file comes from outside.

Every ``<License>`` element (any namespace, any nesting) is a record. Its fields are its
attributes or its child elements, named as the CSV's columns are (``LicenseNumber``,
``State``, ``Residency``, ``Active``, ``IssueDate``, ``ExpirationDate``, ...). The NPN may
sit on the license or on an enclosing element (``<Producer npn="...">``). Lines of
authority are leaf elements (``<LineOfAuthority>Property</LineOfAuthority>``) or items of a
container (``<LinesOfAuthority><LOA active="No">Life</LOA></LinesOfAuthority>``), and an
item marked inactive grants nothing. A file declaring a DTD is refused before anything is
expanded, so entity tricks (billion laughs, external entities) never run.

The NIPR Producer Database (PDB) layout is read too: the state is the ``name`` (or ``code``)
of the enclosing ``<STATE>`` element, the NPN sits in the producer's ``<BIOGRAPHIC>`` section
(beside, not above, the licenses), and lines of authority are ``<DETAILS><DETAIL>`` items
with an ``<LOA>`` and a ``<STATUS>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from leadrouter.compliance.registry_report import FIELD_OF, field_key, refuse
from leadrouter.roster import fields as f

_ITEM_TEXT = ("description", "name", "line_of_authority", "loa", "value")
_LINE_CONTAINERS = ("details",)  # PDB: <DETAILS><DETAIL><LOA>..</LOA><STATUS>..</STATUS>


def xml_records(data: bytes) -> list[tuple[str, dict[str, list[str]]]]:
    """The report's ``<License>`` elements as (where, field -> raw texts)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise refuse(
            f"the XML declares a DTD or entities ({type(exc).__name__}); registry "
            "reports need neither, and they are not expanded"
        ) from None
    except ParseError as exc:
        raise refuse(f"not well-formed XML: {exc}") from None
    parents = {child: parent for parent in root.iter() for child in parent}
    records = [
        (f"license {n}", _record(element, parents))
        for n, element in enumerate(_licenses(root), start=1)
    ]
    if not records:
        raise refuse("no <License> elements found")
    return records


def _licenses(root: Element) -> Iterator[Element]:
    for element in root.iter():
        if field_key(element.tag) == "license" and len(element):
            yield element


def _record(element: Element, parents: dict[Element, Element]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for name, value in _fields(element):
        raw.setdefault(name, []).append(value)
    holder = parents.get(element)
    while holder is not None and ("npn" not in raw or "state" not in raw):
        if "npn" not in raw:
            found = [v for name, v in _fields(holder, items=False) if name == "npn"]
            found = found or _biographic_npn(holder)
            if found:
                raw["npn"] = found
        if "state" not in raw and field_key(holder.tag) == "state":
            named = [v for k, v in holder.attrib.items() if field_key(k) in ("name", "code")]
            if named and named[0].strip():
                raw["state"] = named[:1]
        holder = parents.get(holder)
    return raw


def _biographic_npn(holder: Element) -> list[str]:
    """The NPN of a PDB producer: in its BIOGRAPHIC section, a sibling of the licensing."""
    for section in holder.iter():
        if field_key(section.tag) == "biographic":
            found = [v for name, v in _fields(section, items=False) if name == "npn"]
            if found:
                return found
    return []


def _fields(element: Element, *, items: bool = True) -> Iterator[tuple[str, str]]:
    """(field, text) from attributes and leaf children; line-of-authority containers opened."""
    for key, value in element.attrib.items():
        name = FIELD_OF.get(field_key(key))
        if name is not None and value.strip():
            yield name, value
    for child in element:
        key = field_key(child.tag)
        name = "lines" if key in _LINE_CONTAINERS and len(child) else FIELD_OF.get(key)
        if name is None:
            continue
        if not len(child):
            if (child.text or "").strip() and _active(child):
                yield name, child.text or ""
        elif name == "lines" and items:
            yield from (("lines", text) for text in _items(child))


def _items(container: Element) -> Iterator[str]:
    for item in container:
        if len(item):
            text = next((c.text or "" for c in item if field_key(c.tag) in _ITEM_TEXT), "")
        else:
            text = item.text or ""
        if text.strip() and _active(item):
            yield text


def _active(item: Element) -> bool:
    """False when a line-of-authority item says it is inactive (attribute or child)."""
    flags = [v for k, v in item.attrib.items() if FIELD_OF.get(field_key(k)) == "active"]
    flags += [c.text or "" for c in item if FIELD_OF.get(field_key(c.tag)) == "active"]
    try:
        return all(f.parse_bool(flag) for flag in flags if flag.strip())
    except ValueError:
        return True
