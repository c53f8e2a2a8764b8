/**
 * The import rules of this repository (design: layers run one way). `npm test` runs them
 * (`npm run depcruise`); a violation fails with the rule's name.
 *
 *   base     lib/*.ts            config, errors, log, clock, ids, faults, plans, text, pagination, keyed-queue, hosts
 *   adapters lib/db, storage, net, media, ml, hosts   DynamoDB, S3, the network, ffmpeg, the engines, AWS's host
 *   domains  lib/auth, billing, search, indexing, videos, jobs, collections, accounts, uploads, webhooks, agent, schedules
 *            (in that order: each imports only those before it)
 *   http     lib/http            the middy chain, its middlewares, the route definition
 *
 * Each layer imports only the layers before it; nothing in lib/ imports functions/, infra/, bench/ or test/.
 * sdk/ (the published client) imports nothing of the product.
 */
const BASE = '^lib/[^/]+[.]ts$';
const ADAPTERS = '^lib/(db|storage|net|media|ml|hosts)/';
const HTTP = '^lib/http/';
const NOT_DOMAIN = `(${BASE})|(${ADAPTERS})|(${HTTP})`;

/**
 * Domains, lowest first: each may import only the domains before it, so the folders of lib/ form no
 * loop either (a file-level check alone would allow two folders to lean on each other). A new domain
 * takes its place in this list.
 */
const DOMAIN_ORDER = ['auth', 'billing', 'search', 'indexing', 'videos', 'jobs', 'collections', 'accounts', 'uploads', 'webhooks', 'agent', 'schedules'];
const domainRules = DOMAIN_ORDER.slice(0, -1).map((domain, rank) => ({
  name: `domain-order-${domain}`,
  severity: 'error',
  comment: `lib/${domain}/ may use only the domains ranked before it: ${DOMAIN_ORDER.slice(0, rank).join(', ') || 'none'}.`,
  from: { path: `^lib/${domain}/` },
  to: { path: `^lib/(${DOMAIN_ORDER.slice(rank + 1).join('|')})/` },
}));

const ROUTE_TABLE = '^functions/(routes|route-examples|route-errors[.]generated|openapi-document)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood (or tested) one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-stays-inside',
      severity: 'error',
      comment: 'lib/ is what functions/, infra/, bench/ and test/ build on; it never reaches back to them.',
      from: { path: '^lib/' },
      to: { path: '^(functions|infra|bench|test|bin|web)/' },
    },
    {
      name: 'sdk-stands-alone',
      severity: 'error',
      comment: 'sdk/ is published on its own (@frameseek/sdk): it imports only itself and its declared packages, never the product.',
      from: { path: '^sdk/' },
      to: { path: '^(lib|functions|infra|bench|bin|test|web)/' },
    },
    {
      name: 'web-stands-alone',
      severity: 'error',
      comment: 'web/ (the console) runs in a browser and talks to the public API only: it imports itself, its packages and sdk/, never the product.',
      from: { path: '^web/' },
      to: { path: '^(lib|functions|infra|bench|bin|test)/' },
    },
    {
      name: 'base-imports-only-base',
      severity: 'error',
      comment: 'The base layer (lib/*.ts) needs nothing but itself and packages.',
      from: { path: BASE },
      to: { path: '^lib/[^/]+/' },
    },
    {
      name: 'adapters-below-domains',
      severity: 'error',
      comment: 'db, storage, net, media and ml serve the domains and never call into them (or into http).',
      from: { path: ADAPTERS },
      to: { path: '^lib/[^/]+/', pathNot: ADAPTERS },
    },
    {
      name: 'domains-below-http',
      severity: 'error',
      comment: 'Domains are called by the HTTP chain and by event handlers; they never import the chain.',
      from: { path: '^lib/[^/]+/', pathNot: NOT_DOMAIN },
      to: { path: HTTP },
    },
    {
      name: 'functions-only-from-hosts',
      severity: 'error',
      comment:
        'Handlers are loaded by the hosts (infra/) and tests, never imported by lib/ or by each other. The route table and what documents it (its examples, the errors its routes throw, the OpenAPI document built from them) are not handlers.',
      from: { path: '^functions/', pathNot: ROUTE_TABLE },
      to: { path: '^functions/', pathNot: ROUTE_TABLE },
    },
    ...domainRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
