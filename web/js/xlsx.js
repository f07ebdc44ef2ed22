// web/js/xlsx.js — reads just enough of an .xlsx file to count the rows of its worksheet.
// Owns sheetRowCount(blob): finds the first xl/worksheets/sheetN.xml in the ZIP central
// directory, inflates it with the browser's DecompressionStream ('deflate-raw') when it is
// deflated, and counts its <row> elements (the header row included). Used after
// "生成单位初始账号" to tell how many accounts the downloaded sheet holds, since that reply
// is the sheet itself. No ZIP64 (the sheets are small); throws Error on anything unexpected.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

/* The number of rows of the first worksheet of the .xlsx blob. */
export async function sheetRowCount(blob) {
  const buf = new Uint8Array(await blob.arrayBuffer());
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0 && i >= buf.length - 22 - 0xffff; i--) {
    if (dv.getUint32(i, true) === EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('xlsx: not a ZIP file');
  const entries = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  const utf8 = new TextDecoder();
  for (let n = 0; n < entries; n++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== CENTRAL) throw new Error('xlsx: bad central directory');
    const method = dv.getUint16(p + 10, true);
    const size = dv.getUint32(p + 20, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    const name = utf8.decode(buf.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(name)) continue;

    if (local + 30 > buf.length || dv.getUint32(local, true) !== LOCAL) throw new Error('xlsx: bad local header');
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const data = buf.subarray(start, start + size);
    let xml;
    if (method === 0) xml = utf8.decode(data);
    else if (method === 8) xml = await inflateRaw(data);
    else throw new Error('xlsx: unsupported compression ' + method);
    return (xml.match(/<row[\s>/]/g) || []).length;
  }
  throw new Error('xlsx: no worksheet');
}
