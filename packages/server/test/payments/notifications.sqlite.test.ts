import { runNotificationSuite } from './suites/notifications.js';

runNotificationSuite('sqlite');
