/** What-if replay of recent decisions through a draft ruleset (issue 9). */
export { WhatIfService, type WhatIfAnswer, type WhatIfRequest, DEFAULT_DAYS, MAX_DAYS } from './what-if-service';
export { whatIfRouter, whatIfBodySchema } from './what-if-controller';
export { replayWhatIf, latestPerLead, type WhatIfReport, type RecordedDecision, type OwnerChange, type MemberShift, type RuleShift } from './replay';
