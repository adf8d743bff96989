// The formula file format (TOML or JSON), as zod schemas. Every object is loose: a key this
// code does not know is kept and passed through cook, so a Gas Town or beads user's own
// files work unchanged. The fields are beads' (workflow steps, vars, compose, advice) and
// Gas Town's (convoy legs, synthesis, inputs, prompts, output, presets, acceptance).
import { z } from "zod";

export const FORMULA_TYPES = ["workflow", "convoy", "expansion", "aspect"] as const;
export type FormulaType = (typeof FORMULA_TYPES)[number];

const stringList = z.array(z.string());
const stringMap = z.record(z.string(), z.string());

/** A number or true/false where text is meant (`default = 3`) is read as its text. */
const textLike = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** A var is either its default as a plain string or a table. */
export const varDefSchema = z.looseObject({
  description: z.string().optional(),
  default: textLike.optional(),
  required: z.boolean().optional(),
  enum: z.array(textLike).optional(),
  pattern: z.string().optional(),
  type: z.string().optional(),
});
export type VarDef = z.infer<typeof varDefSchema>;
const varSchema = z.union([textLike, varDefSchema]);

export const gateSchema = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  await_id: z.string().optional(),
  timeout: z.string().optional(),
});
export type Gate = z.infer<typeof gateSchema>;

export interface Step {
  id: string;
  title?: string | undefined;
  description?: string | undefined;
  notes?: string | undefined;
  type?: string | undefined;
  priority?: number | undefined;
  labels?: string[] | undefined;
  assignee?: string | undefined;
  needs?: string[] | undefined;
  depends_on?: string[] | undefined;
  waits_for?: string | undefined;
  condition?: string | undefined;
  acceptance?: string | undefined;
  parallel?: boolean | undefined;
  interactive?: boolean | undefined;
  expand?: string | undefined;
  expand_vars?: Record<string, string> | undefined;
  gate?: Gate | undefined;
  children?: Step[] | undefined;
  [unknown: string]: unknown;
}

export const stepSchema: z.ZodType<Step> = z.looseObject({
  id: z.string().min(1, "a step needs an id"),
  title: z.string().optional(),
  description: z.string().optional(),
  notes: z.string().optional(),
  type: z.string().optional(),
  priority: z.number().int().min(0).max(4).optional(),
  labels: stringList.optional(),
  assignee: z.string().optional(),
  needs: stringList.optional(),
  depends_on: stringList.optional(),
  waits_for: z.string().optional(),
  condition: z.string().optional(),
  acceptance: z.string().optional(),
  parallel: z.boolean().optional(),
  interactive: z.boolean().optional(),
  expand: z.string().optional(),
  expand_vars: stringMap.optional(),
  gate: gateSchema.optional(),
  get children() {
    return z.array(stepSchema).optional();
  },
}) as z.ZodType<Step>;

export const expandRuleSchema = z.looseObject({
  target: z.string().min(1),
  with: z.string().min(1),
  vars: stringMap.optional(),
});
export const mapRuleSchema = z.looseObject({
  select: z.string().min(1),
  with: z.string().min(1),
  vars: stringMap.optional(),
});
export const composeSchema = z.looseObject({
  expand: z.array(expandRuleSchema).optional(),
  map: z.array(mapRuleSchema).optional(),
  aspects: stringList.optional(),
});
export type Compose = z.infer<typeof composeSchema>;

/** A step that advice inserts; `{step.id}` and `{step.title}` name the matched step. */
export const adviceStepSchema = z.looseObject({
  id: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional(),
});
export type AdviceStep = z.infer<typeof adviceStepSchema>;

export const adviceSchema = z.looseObject({
  target: z.string().min(1),
  before: adviceStepSchema.optional(),
  after: adviceStepSchema.optional(),
  around: z
    .looseObject({
      before: z.array(adviceStepSchema).optional(),
      after: z.array(adviceStepSchema).optional(),
    })
    .optional(),
});
export type Advice = z.infer<typeof adviceSchema>;

export const pointcutSchema = z.looseObject({
  glob: z.string().optional(),
  type: z.string().optional(),
  label: z.string().optional(),
});
export type Pointcut = z.infer<typeof pointcutSchema>;

export const legSchema = z.looseObject({
  id: z.string().min(1, "a leg needs an id"),
  title: z.string().optional(),
  focus: z.string().optional(),
  description: z.string().optional(),
  agent: z.string().optional(),
  review_only: z.boolean().optional(),
});
export type Leg = z.infer<typeof legSchema>;

export const synthesisSchema = z.looseObject({
  title: z.string().optional(),
  description: z.string().optional(),
  depends_on: stringList.optional(),
});
export type Synthesis = z.infer<typeof synthesisSchema>;

export const inputSchema = z.looseObject({
  description: z.string().optional(),
  type: z.string().optional(),
  required: z.boolean().optional(),
  required_unless: stringList.optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

export const outputSchema = z.looseObject({
  directory: z.string().optional(),
  leg_pattern: z.string().optional(),
  synthesis: z.string().optional(),
});

export const presetSchema = z.looseObject({
  description: z.string().optional(),
  legs: stringList.optional(),
});

/** Gas Town's analysis aspects (`[[aspects]]` of an aspect formula): like convoy legs. */
export const analysisAspectSchema = z.looseObject({
  id: z.string().min(1),
  title: z.string().optional(),
  focus: z.string().optional(),
  description: z.string().optional(),
});

const formulaShape = {
  formula: z.string().min(1, 'the formula needs a name (formula = "...")'),
  description: z.string().optional(),
  version: z.number().int().min(1).optional(),
  type: z.enum(FORMULA_TYPES).optional(),
  phase: z.string().optional(),
  pour: z.boolean().optional(),
  squash: z.unknown().optional(),
  review_only: z.boolean().optional(),
  agent: z.string().optional(),
  extends: stringList.optional(),
  vars: z.record(z.string(), varSchema).optional(),
  steps: z.array(stepSchema).optional(),
  template: z.array(stepSchema).optional(),
  compose: composeSchema.optional(),
  advice: z.array(adviceSchema).optional(),
  pointcuts: z.array(pointcutSchema).optional(),
  aspects: z.array(analysisAspectSchema).optional(),
  inputs: z.record(z.string(), inputSchema).optional(),
  prompts: z.record(z.string(), z.string()).optional(),
  legs: z.array(legSchema).optional(),
  synthesis: synthesisSchema.optional(),
  output: outputSchema.optional(),
  presets: z.record(z.string(), presetSchema).optional(),
};
export const formulaFileSchema = z.looseObject(formulaShape);
/** The keys this code knows (the loose schema also keeps any others). */
type KnownFormulaKeys = z.infer<z.ZodObject<typeof formulaShape>>;

/** A formula as loaded: vars in table form, version and type filled in, where it came from. */
export type Formula = Omit<KnownFormulaKeys, "vars" | "version" | "type"> & {
  [kept: string]: unknown;
  version: number;
  type: FormulaType;
  vars: Record<string, VarDef>;
  /** Absolute path of the file. */
  source: string;
};
