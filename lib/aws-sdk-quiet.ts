/**
 * The AWS SDK prints a 9-line NodeVersionSupportWarning on Node < 22 at the first client it creates.
 * Lambda runs Node 22 (infra/aws), where it never fires; this machine's Node 20 (the newest Debian and
 * bin/setup can provide offline here) is supported by every SDK version the lock pins, so the notice
 * about future releases is noise at every start, CLI call and test file. Imported, for this effect only,
 * by the modules every SDK client is created after (lib/config.ts, infra/local/credentials.ts).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
