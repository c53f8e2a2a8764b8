import { apiHandler } from '#lib/http/api-handler';
import { AppError } from '#lib/errors';
import { runSearch } from '#lib/search/search';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.search, async ({ principal, body, files, admitted }) => {
  const image = files.image;
  if (!body.query && !image && !body.image_url) {
    throw new AppError('VALIDATION_ERROR', 'Send a query, an image or an image_url (or a query with one of the two)', {
      fields: [{ path: 'query', message: 'one of query, image, image_url is required' }],
    });
  }
  if (image && body.image_url) {
    throw new AppError('VALIDATION_ERROR', 'Send either an image or an image_url, not both', {
      fields: [{ path: 'image_url', message: 'not allowed with image' }],
    });
  }
  const { data, meta } = await runSearch(
    principal,
    {
      query: body.query,
      image: image ? { bytes: image.bytes, truncated: image.truncated } : body.image_url ? { url: body.image_url } : undefined,
      collectionId: body.collection_id,
      videoId: body.video_id,
      modes: body.modes,
      page: body.page,
      perPage: body.per_page,
      maxSegments: body.max_segments,
      includeHidden: body.include_hidden,
      collapseDuplicates: body.collapse_duplicates,
      thumbnails: body.thumbnails,
      naturalLanguage: body.natural_language,
      labels: body.labels,
    },
    admitted,
  );
  return { data, meta };
});
