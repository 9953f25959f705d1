"""Makes tests/bad-inputs/59-62: a two-row 贫困劳动力名册 with one cell address damaged or far away.

    python3 tests/bad-inputs/cell-addresses.py   # standard library only; run from the repo root

59: a column of seven letters (overflows calamine's column arithmetic: a panic in a debug build,
    a wrapped column in a release build, which once laid out a box that took all memory);
60: column XFE, one past Excel's last; 61: a cell at ZZ1048000, far from the table;
62: the same far cell in an ods (written as LibreOffice writes gaps: repeated empty rows and
    columns), a box past calamine's own limit for ods.
"""
import zipfile
from xml.sax.saxutils import escape
def col(n):
    s=''
    while n>0:
        n,r=divmod(n-1,26); s=chr(65+r)+s
    return s
def sheet(rows, override=None):
    out=[]
    for r,cells in enumerate(rows,1):
        cs=''.join(f'<c r="{(override or {}).get((r,c), col(c)+str(r))}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for c,v in enumerate(cells,1) if v!='')
        out.append(f'<row r="{r}">{cs}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'+''.join(out)+'</sheetData></worksheet>')
def book(path, xml):
    z=zipfile.ZipFile(path,'w',zipfile.ZIP_DEFLATED)
    z.writestr('[Content_Types].xml','<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr('_rels/.rels','<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr('xl/workbook.xml','<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr('xl/_rels/workbook.xml.rels','<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr('xl/worksheets/sheet1.xml', xml)
    z.close()
rows=[['万州区2020年3月贫困劳动力名册'],['序号','所属月份','身份证号','姓名','乡镇（街道）','是否建档立卡'],['1','2020-03','500101198009018597','张三','白羊镇','是'],['2','2020-03','500101196001010073','李四','白羊镇','是']]

book('tests/bad-inputs/59-xlsx-cell-address-overflows.xlsx', sheet(rows, {(3,4):'ZZZZZZZ3'}))
book('tests/bad-inputs/60-xlsx-cell-address-past-excel.xlsx', sheet(rows, {(3,4):'XFE3'}))
book('tests/bad-inputs/61-xlsx-cell-far-from-the-table.xlsx', sheet(rows+[['']]*0, {(4,6):'ZZ1048000'}))

def ods(path, rows, far_row, far_col):
    ns=('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    def cell(v):
        return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
    body=''.join('<table:table-row>'+''.join(cell(v) for v in r)+'</table:table-row>' for r in rows)
    gap=far_row-len(rows)-1
    body+=f'<table:table-row table:number-rows-repeated="{gap}"><table:table-cell table:number-columns-repeated="{far_col}"/></table:table-row>'
    body+=f'<table:table-row><table:table-cell table:number-columns-repeated="{far_col-1}"/>{cell("备注")}</table:table-row>'
    content=(f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
             f'<office:body><office:spreadsheet><table:table table:name="名册">{body}</table:table>'
             '</office:spreadsheet></office:body></office:document-content>')
    z=zipfile.ZipFile(path,'w',zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo('mimetype'),'application/vnd.oasis.opendocument.spreadsheet',compress_type=zipfile.ZIP_STORED)
    z.writestr('META-INF/manifest.xml','<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    z.writestr('content.xml',content)
    z.close()

ods('tests/bad-inputs/62-ods-cell-far-from-the-table.ods', rows, 1048000, 702)
