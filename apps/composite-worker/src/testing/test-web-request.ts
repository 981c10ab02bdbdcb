import { WebEgressRequest } from '@livekit/protocol';
import { testEncoding } from './test-encoding.js';

/** The fields of a {@link WebEgressRequest}, as its constructor takes them. */
export type WebEgressFields = NonNullable<ConstructorParameters<typeof WebEgressRequest>[0]>;

/**
 * A web egress request for tests on GStreamer test sources (they never load the URL): a
 * placeholder page and {@link testEncoding}, unless `fields` say otherwise, plus the outputs.
 */
export function testWebRequest(fields: WebEgressFields): { case: 'web'; value: WebEgressRequest } {
  return {
    case: 'web',
    value: new WebEgressRequest({
      url: 'https://example.com/page',
      options: testEncoding(),
      ...fields,
    }),
  };
}
