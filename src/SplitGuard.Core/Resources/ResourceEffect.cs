namespace SplitGuard.Core.Resources;

/// <summary>One thing a resource transition asks the shell to do, or reports to it.</summary>
/// <param name="Kind">What kind of effect.</param>
/// <param name="Resource">The resource it concerns.</param>
/// <param name="Action">For <see cref="ResourceEffectKind.RunAgent"/>, the action to run; otherwise the action whose result caused it, if any.</param>
/// <param name="Timeout">For <see cref="ResourceEffectKind.RunAgent"/>, the action's timeout; otherwise zero.</param>
/// <param name="Message">One line for the log, e.g. "monitor of web failed: not running (7); fail count 1 of 3, restarting in place".</param>
public sealed record ResourceEffect(ResourceEffectKind Kind, string Resource, AgentAction? Action, TimeSpan Timeout, string Message);
