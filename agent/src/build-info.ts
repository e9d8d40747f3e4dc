/** This program's build (see @dcprobe/shared build-info.ts): `--version`, `dcprobe_build_info`, the hello's version. */
import { buildInfo } from '@dcprobe/shared';

export const BUILD = buildInfo('dcprobe-agent', new URL('../package.json', import.meta.url));
