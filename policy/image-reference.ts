/** Container image references, as the image rules read them. */

/** `repo@sha256:<64 hex>` (with or without a tag before the digest). */
export function isDigestPinned(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}

/** The tag of a reference without a digest; `undefined` when it names none (implicit latest). */
export function tagOf(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}
