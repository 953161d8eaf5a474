import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Doc, Returns } from '../openapi/decorators';
import { PRESETS } from '../rzero';
import type { PresetName, RZeroConfig } from '../rzero';

/** A named starting configuration of POST /runs (`preset`), which `config` overrides. */
export interface PresetView {
  name: PresetName;
  description: string;
  config: RZeroConfig;
}

const DESCRIPTIONS: Record<PresetName, string> = {
  paper:
    'The official R-Zero settings (RZERO.md); sized for multi-billion-parameter models on GPUs.',
  tiny: 'Minutes on a CPU with the built-in arith-tiny model.',
};

@ApiTags('runs')
@Controller('presets')
export class PresetsController {
  @Doc('List the run presets', 'Each preset with its full R-Zero configuration.')
  @Returns(200, 'PresetView', 'The presets.', { array: true })
  @Get()
  listPresets(): PresetView[] {
    return (Object.keys(PRESETS) as PresetName[]).map((name) => ({
      name,
      description: DESCRIPTIONS[name],
      config: PRESETS[name],
    }));
  }
}
