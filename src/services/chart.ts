/**
 * SVG to PNG with `@resvg/resvg-js` (prebuilt binaries from npm, no system
 * libraries), using one CJK font file so Chinese labels render as glyphs, not
 * boxes. The font is `CHART_FONT`, by default WenQuanYi Micro Hei as Debian's
 * `fonts-wqy-microhei` installs it; a missing font is refused with what to install.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

export const DEFAULT_CHART_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

export class MissingChartFont extends Error {
  constructor(readonly file: string) {
    super(`chart font not found: ${file}. Install a CJK font (Debian/Ubuntu: apt-get install fonts-wqy-microhei) or set CHART_FONT to a .ttf/.ttc/.otf file with Chinese glyphs`);
  }
}

export const chartFont = (): string => process.env.CHART_FONT || DEFAULT_CHART_FONT;

export interface RenderedImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Renders an SVG with only the given font (no system fonts: the result is the same on every machine). */
export function renderSvg(svg: string, fontFile = chartFont()): RenderedImage {
  if (!existsSync(fontFile)) throw new MissingChartFont(fontFile);
  const r = new Resvg(svg, { font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: 'sans-serif' }, background: '#ffffff' });
  const img = r.render();
  return { png: Buffer.from(img.asPng()), width: img.width, height: img.height };
}
