import { useState } from 'react';
import { stringify } from 'yaml';
import type { JobSettings } from './api-types.js';

/** A job's settings (notifications included) as JSON or YAML, read-only. */
export function SettingsView({ settings }: { settings: JobSettings }) {
  const [format, setFormat] = useState<'json' | 'yaml'>('json');
  return (
    <div>
      <div className="tabs">
        <button className={format === 'json' ? 'tab active' : 'tab'} onClick={() => setFormat('json')}>JSON</button>
        <button className={format === 'yaml' ? 'tab active' : 'tab'} onClick={() => setFormat('yaml')}>YAML</button>
      </div>
      <pre className="json" data-testid="settings-text">{format === 'json' ? JSON.stringify(settings, null, 2) : stringify(settings)}</pre>
    </div>
  );
}
