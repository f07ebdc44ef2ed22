#!/usr/bin/env python3
"""make_originals.py - builds the demo's original files from its report texts, so the demo
stores real .docx and .pdf uploads (read back through the same extractor as any upload).
Usage (from the repository root; needs python3-cairo and fonts-noto-cjk for the PDFs):
    /usr/bin/python3 server/demo/make_originals.py
For every report in server/demo/demo.json whose "original" names a .docx or .pdf file, writes
it from the report's .txt: a .docx with one paragraph per line (lines starting with 一、二、…
styled as headings), or a PDF laid out by tests/fixtures/make_pdf.py. The outputs are
committed; rerun this only when a text changes.
"""
import json, os, subprocess, sys, zipfile
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.abspath(__file__))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

def docx(text, out):
    paras = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        style = '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' if line[:2] in (
            "一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、", "十、") else ""
        paras.append('<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % (style, escape(line)))
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="%s"><w:body>%s</w:body></w:document>' % (W, "".join(paras)))
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="%s">'
              '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
              '<w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style></w:styles>' % W)
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
             '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
             '</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>')
    docrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
               '</Relationships>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", types), ("_rels/.rels", rels),
                           ("word/document.xml", doc), ("word/styles.xml", styles),
                           ("word/_rels/document.xml.rels", docrels)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)

def main():
    demo = json.load(open(os.path.join(ROOT, "demo.json"), encoding="utf-8"))
    for rep in demo["reports"]:
        orig = rep.get("original")
        if not orig:
            continue
        src = os.path.join(ROOT, rep["file"])
        out = os.path.join(ROOT, orig)
        if orig.endswith(".docx"):
            docx(open(src, encoding="utf-8").read(), out)
        elif orig.endswith(".pdf"):
            subprocess.run([sys.executable, os.path.join(ROOT, "..", "..", "tests", "fixtures", "make_pdf.py"),
                            src, out], check=True)
        print(out, os.path.getsize(out))

main()
