/**
 * A multipart body for the routes that take a file (POST /v1/search with `image`, POST /v1/upload with `file`):
 * `client.POST('/v1/search', { body: { image, modes: ['video'] }, bodySerializer: formData })`. Arrays become
 * repeated fields; undefined fields are left out.
 */
export function formData(body: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      if (item instanceof Blob) form.append(name, item, item instanceof File ? item.name : name);
      else form.append(name, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
  return form;
}
