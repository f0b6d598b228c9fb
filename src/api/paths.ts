/** Object paths as the object model builds them. */

/** A member's path; '' (unknown) below a group opened from a reference. */
export function joinPath(base: string, name: string): string {
  if (base === '') return '';
  return base === '/' ? `/${name}` : `${base}/${name}`;
}
