import { mount } from 'svelte';
import './ui/theme.css';
import { connectApi } from './api/connect.js';
import App from './App.svelte';

const target = document.getElementById('app')!;
const connection = connectApi();
if ('api' in connection) {
  mount(App, { target, props: { api: connection.api } });
} else {
  // No token, no API: say what to do instead of showing an empty worklist.
  const note = document.createElement('div');
  note.className = 'error-note';
  note.setAttribute('role', 'alert');
  note.setAttribute('data-testid', 'no-token');
  note.textContent = connection.error;
  target.append(note);
}
