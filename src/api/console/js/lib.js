// Preact and htm as served from /vendor/ (see src/api/routes/console.ts). Everything the pages
// render goes through htm templates, which make text nodes of interpolated values: no string the
// target controls (URLs, evidence, response bodies) is ever parsed as HTML.
import { h, render, Fragment } from '/vendor/preact.mjs';
import { useState, useEffect, useRef, useCallback, useMemo } from '/vendor/hooks.mjs';
import htm from '/vendor/htm.mjs';

export const html = htm.bind(h);
export { h, render, Fragment, useState, useEffect, useRef, useCallback, useMemo };
