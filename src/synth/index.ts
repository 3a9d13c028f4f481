/**
 * Seeded synthetic traces (`pinbench synth`): random scenarios from every family of the
 * vocabulary, realistic background records, optional integrity gaps, in any of the three
 * layouts, streamed. See synthesize.ts.
 */
export { Prng } from './prng.ts';
export { generateScenario, type ScenarioScript, type ScriptLine, type TraceContext } from './scenario-gen.ts';
export {
  DEFAULT_SCENARIOS,
  type SynthLayout,
  type SynthOptions,
  type SynthStats,
  synthesize,
  synthesizeText,
  synthLayout,
} from './synthesize.ts';
