/**
 * Whether an RTP payload starts a keyframe, for switching simulcast layers only where the
 * subscriber's decoder can start: VP8 (RFC 7741) and H264 (RFC 6184; a keyframe starts with SPS,
 * alone or in a STAP-A, or with an IDR slice). Other codecs: false.
 */
export function isKeyframeStart(mimeType: string, payload: Uint8Array): boolean {
  switch (mimeType.toLowerCase()) {
    case 'video/vp8':
      return isVp8KeyframeStart(payload);
    case 'video/h264':
      return isH264KeyframeStart(payload);
    default:
      return false;
  }
}

function isVp8KeyframeStart(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const hasExtension = (first & 0x80) !== 0;
  const isPartitionStart = (first & 0x10) !== 0;
  const partitionId = first & 0x07;
  if (!isPartitionStart || partitionId !== 0) return false;
  let offset = 1;
  if (hasExtension) {
    const ext = payload[offset++] ?? 0;
    if (ext & 0x80) offset += ((payload[offset] ?? 0) & 0x80) !== 0 ? 2 : 1; // picture id
    if (ext & 0x40) offset += 1; // TL0PICIDX
    if (ext & 0x30) offset += 1; // TID/KEYIDX
  }
  const header = payload[offset];
  // The P bit of the VP8 payload header is 0 on a key frame.
  return header !== undefined && (header & 0x01) === 0;
}

const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_STAP_A = 24;
const NAL_FU_A = 28;

function isH264KeyframeStart(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const type = first & 0x1f;
  if (type === NAL_SPS || type === NAL_IDR) return true;
  if (type === NAL_STAP_A) return ((payload[3] ?? 0) & 0x1f) === NAL_SPS;
  if (type === NAL_FU_A) {
    const fu = payload[1] ?? 0;
    return (fu & 0x80) !== 0 && (fu & 0x1f) === NAL_IDR;
  }
  return false;
}
