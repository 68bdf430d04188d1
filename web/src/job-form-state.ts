import { useState } from 'react';
import type { JobSettings } from './api-types.js';
import { parseSettingsText, settingsText } from './job-form-model.js';

/** The text format of the settings pane. */
export type SettingsFormat = 'json' | 'yaml';

/** One settings object edited by a form and a text pane (see useJobSettingsEditor). */
export interface JobSettingsEditor {
  settings: JobSettings;
  text: string;
  format: SettingsFormat;
  /** Why the text does not parse, while it does not. */
  parseError: string | null;
  fromForm(s: JobSettings): void;
  fromText(t: string): void;
  setFormat(f: SettingsFormat): void;
  /** Replaces everything (e.g. once the full job is loaded). */
  reset(s: JobSettings): void;
}

/**
 * The state behind the job editor: a form edit rewrites the text; a text edit that parses replaces the object (so
 * fields the form does not know come and stay with it); text that does not parse is kept as typed.
 */
export function useJobSettingsEditor(initial: JobSettings): JobSettingsEditor {
  const [settings, setSettings] = useState<JobSettings>(initial);
  const [format, setFormatState] = useState<SettingsFormat>('yaml');
  const [text, setText] = useState(() => settingsText(initial, 'yaml'));
  const [parseError, setParseError] = useState<string | null>(null);
  return {
    settings,
    text,
    format,
    parseError,
    fromForm(s) {
      setSettings(s);
      setText(settingsText(s, format));
      setParseError(null);
    },
    fromText(t) {
      setText(t);
      try {
        setSettings(parseSettingsText(t));
        setParseError(null);
      } catch (e) {
        setParseError((e as Error).message);
      }
    },
    setFormat(f) {
      // With text that does not parse, keep it as typed rather than lose it to the last good settings.
      if (!parseError) setText(settingsText(settings, f));
      setFormatState(f);
    },
    reset(s) {
      setSettings(s);
      setText(settingsText(s, format));
      setParseError(null);
    },
  };
}
