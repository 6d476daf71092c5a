/** The API's URL, from VITE_TASKLANE_URL when the app was built or started (vite.config.ts). */
declare const __TASKLANE_URL__: string
