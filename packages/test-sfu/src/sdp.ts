/** Small readers for the SDP facts the SFU needs; werift parses the rest. */

/** The media section (from its `m=` line to the next) whose `a=mid:` is `mid`, if any. */
export function findMediaSection(sdp: string, mid: string): string | undefined {
  for (const section of sdp.split(/\r?\n(?=m=)/).slice(1)) {
    if (readAttribute(section, 'mid') === mid) return section;
  }
  return undefined;
}

/** Whether a media section's direction lets the remote side send (sendonly or sendrecv). */
export function isSendingSection(section: string): boolean {
  return /^a=(sendonly|sendrecv)\s*$/m.test(section);
}

/** The msid track id (`a=msid:<stream> <track>`): LiveKit clients put the AddTrack cid there. */
export function msidTrackId(section: string): string | undefined {
  return /^a=msid:\S+ (\S+)\s*$/m.exec(section)?.[1];
}

function readAttribute(section: string, name: string): string | undefined {
  return new RegExp(`^a=${name}:(\\S+)\\s*$`, 'm').exec(section)?.[1];
}
