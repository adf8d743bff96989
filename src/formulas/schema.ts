// The formula file format (TOML or JSON), as zod schemas. Every object is loose: a key this
// code does not know is kept and passed through cook, so a Gas Town or beads user's own
// files work unchanged. The fields are beads' (workflow steps, vars, compose, advice) and
// Gas Town's (convoy legs, synthesis, inputs, prompts, output, presets, acceptance).
import * as z from "../schema.ts";

export const FORMULA_TYPES = ["workflow", "convoy", "expansion", "aspect"] as const;
export type FormulaType = (typeof FORMULA_TYPES)[number];

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

/**
 * Every schema of the format, built on first use: building them costs more than most gt
 * commands that never read a formula (gt prime, gt hook) spend on their whole answer.
 */
function buildFormulaSchemas() {
  const stringList = z.array(z.string());
  const stringMap = z.record(z.string(), z.string());

  /** A number or true/false where text is meant (`default = 3`) is read as its text. */
  const textLike = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));

  /** A var is either its default as a plain string or a table. */
  const varDefSchema = z.looseObject({
    description: z.optional(z.string()),
    default: z.optional(textLike),
    required: z.optional(z.boolean()),
    enum: z.optional(z.array(textLike)),
    pattern: z.optional(z.string()),
    type: z.optional(z.string()),
  });
  const varSchema = z.union([textLike, varDefSchema]);

  const gateSchema = z.looseObject({
    type: z.string(),
    id: z.optional(z.string()),
    await_id: z.optional(z.string()),
    timeout: z.optional(z.string()),
  });

  const stepSchema: z.ZodMiniType<Step> = z.looseObject({
    id: z.string().check(z.minLength(1, "a step needs an id")),
    title: z.optional(z.string()),
    description: z.optional(z.string()),
    notes: z.optional(z.string()),
    type: z.optional(z.string()),
    priority: z.optional(z.int().check(z.gte(0)).check(z.lte(4))),
    labels: z.optional(stringList),
    assignee: z.optional(z.string()),
    needs: z.optional(stringList),
    depends_on: z.optional(stringList),
    waits_for: z.optional(z.string()),
    condition: z.optional(z.string()),
    acceptance: z.optional(z.string()),
    parallel: z.optional(z.boolean()),
    interactive: z.optional(z.boolean()),
    expand: z.optional(z.string()),
    expand_vars: z.optional(stringMap),
    gate: z.optional(gateSchema),
    get children() {
      return z.optional(z.array(stepSchema));
    },
  }) as z.ZodMiniType<Step>;

  const expandRuleSchema = z.looseObject({
    target: z.string().check(z.minLength(1)),
    with: z.string().check(z.minLength(1)),
    vars: z.optional(stringMap),
  });
  const mapRuleSchema = z.looseObject({
    select: z.string().check(z.minLength(1)),
    with: z.string().check(z.minLength(1)),
    vars: z.optional(stringMap),
  });
  const composeSchema = z.looseObject({
    expand: z.optional(z.array(expandRuleSchema)),
    map: z.optional(z.array(mapRuleSchema)),
    aspects: z.optional(stringList),
  });

  /** A step that advice inserts; `{step.id}` and `{step.title}` name the matched step. */
  const adviceStepSchema = z.looseObject({
    id: z.string().check(z.minLength(1)),
    title: z.optional(z.string()),
    description: z.optional(z.string()),
    type: z.optional(z.string()),
  });

  const adviceSchema = z.looseObject({
    target: z.string().check(z.minLength(1)),
    before: z.optional(adviceStepSchema),
    after: z.optional(adviceStepSchema),
    around: z.optional(
      z.looseObject({
        before: z.optional(z.array(adviceStepSchema)),
        after: z.optional(z.array(adviceStepSchema)),
      }),
    ),
  });

  const pointcutSchema = z.looseObject({
    glob: z.optional(z.string()),
    type: z.optional(z.string()),
    label: z.optional(z.string()),
  });

  const legSchema = z.looseObject({
    id: z.string().check(z.minLength(1, "a leg needs an id")),
    title: z.optional(z.string()),
    focus: z.optional(z.string()),
    description: z.optional(z.string()),
    agent: z.optional(z.string()),
    review_only: z.optional(z.boolean()),
  });

  const synthesisSchema = z.looseObject({
    title: z.optional(z.string()),
    description: z.optional(z.string()),
    depends_on: z.optional(stringList),
  });

  const inputSchema = z.looseObject({
    description: z.optional(z.string()),
    type: z.optional(z.string()),
    required: z.optional(z.boolean()),
    required_unless: z.optional(stringList),
    default: z.optional(z.union([z.string(), z.number(), z.boolean()])),
  });

  const outputSchema = z.looseObject({
    directory: z.optional(z.string()),
    leg_pattern: z.optional(z.string()),
    synthesis: z.optional(z.string()),
  });

  const presetSchema = z.looseObject({
    description: z.optional(z.string()),
    legs: z.optional(stringList),
  });

  /** Gas Town's analysis aspects (`[[aspects]]` of an aspect formula): like convoy legs. */
  const analysisAspectSchema = z.looseObject({
    id: z.string().check(z.minLength(1)),
    title: z.optional(z.string()),
    focus: z.optional(z.string()),
    description: z.optional(z.string()),
  });

  const formulaShape = {
    formula: z.string().check(z.minLength(1, 'the formula needs a name (formula = "...")')),
    description: z.optional(z.string()),
    version: z.optional(z.int().check(z.gte(1))),
    type: z.optional(z.enum(FORMULA_TYPES)),
    phase: z.optional(z.string()),
    pour: z.optional(z.boolean()),
    squash: z.optional(z.unknown()),
    review_only: z.optional(z.boolean()),
    agent: z.optional(z.string()),
    extends: z.optional(stringList),
    vars: z.optional(z.record(z.string(), varSchema)),
    steps: z.optional(z.array(stepSchema)),
    template: z.optional(z.array(stepSchema)),
    compose: z.optional(composeSchema),
    advice: z.optional(z.array(adviceSchema)),
    pointcuts: z.optional(z.array(pointcutSchema)),
    aspects: z.optional(z.array(analysisAspectSchema)),
    inputs: z.optional(z.record(z.string(), inputSchema)),
    prompts: z.optional(z.record(z.string(), z.string())),
    legs: z.optional(z.array(legSchema)),
    synthesis: z.optional(synthesisSchema),
    output: z.optional(outputSchema),
    presets: z.optional(z.record(z.string(), presetSchema)),
  };
  const formulaFileSchema = z.looseObject(formulaShape);
  return {
    stringList,
    stringMap,
    textLike,
    varDefSchema,
    varSchema,
    gateSchema,
    stepSchema,
    expandRuleSchema,
    mapRuleSchema,
    composeSchema,
    adviceStepSchema,
    adviceSchema,
    pointcutSchema,
    legSchema,
    synthesisSchema,
    inputSchema,
    outputSchema,
    presetSchema,
    analysisAspectSchema,
    formulaShape,
    formulaFileSchema,
  };
}
let built: ReturnType<typeof buildFormulaSchemas> | undefined;
const formulaSchemas = () => (built ??= buildFormulaSchemas());
type Schemas = ReturnType<typeof buildFormulaSchemas>;

export type VarDef = z.infer<Schemas["varDefSchema"]>;
export type Gate = z.infer<Schemas["gateSchema"]>;
export type Compose = z.infer<Schemas["composeSchema"]>;
export type AdviceStep = z.infer<Schemas["adviceStepSchema"]>;
export type Advice = z.infer<Schemas["adviceSchema"]>;
export type Pointcut = z.infer<Schemas["pointcutSchema"]>;
export type Leg = z.infer<Schemas["legSchema"]>;
export type Synthesis = z.infer<Schemas["synthesisSchema"]>;

/** The schema of a whole formula file. */
export const formulaFileSchema = (): Schemas["formulaFileSchema"] => formulaSchemas().formulaFileSchema;

/** The keys this code knows (the loose schema also keeps any others). */
type KnownFormulaKeys = z.infer<z.ZodMiniObject<Schemas["formulaShape"]>>;

/** A formula as loaded: vars in table form, version and type filled in, where it came from. */
export type Formula = Omit<KnownFormulaKeys, "vars" | "version" | "type"> & {
  [kept: string]: unknown;
  version: number;
  type: FormulaType;
  vars: Record<string, VarDef>;
  /** Absolute path of the file. */
  source: string;
};
